-- Retention (the `[retention]` config table): the background job deletes, in short batches, events every dueslag
-- has had, closed error-table entries, past days' master-data fetch marks and, after archiving them to a file,
-- old audit rows. These indexes let each batch find its rows without scanning the table.
CREATE INDEX deliveries_seq ON deliveries (seq, state);
CREATE INDEX error_items_closed ON error_items (updated_at);
CREATE INDEX mh_master_data_fetches_day ON mh_master_data_fetches (day);
