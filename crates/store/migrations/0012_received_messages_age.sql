-- Received BeskedIds are kept only as long as a publisher could resend (`[beskedfordeler] received_keep_days`);
-- the distributor forgets older ones, by this index.
CREATE INDEX received_messages_age ON received_messages (received_at);
