//! The open-files limit: raised at start from the soft to the hard limit (many systems start services with a
//! soft limit of 1024, too few for thousands of connections), with a warning when even the hard limit cannot
//! hold every connection the listeners may keep open.

/// Sockets and files the server needs besides the listeners' connections (database, logs, documents).
const RESERVE: u64 = 256;

/// Raises `RLIMIT_NOFILE`'s soft limit to its hard limit; warns if `sockets` connections would not fit.
pub fn raise(sockets: usize) {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "could not read the open-files limit");
            return;
        }
        let before = limit.rlim_cur;
        // An unlimited hard limit cannot be the soft one (the kernel's fs.nr_open caps it).
        let target = if limit.rlim_max == libc::RLIM_INFINITY {
            1 << 20
        } else {
            limit.rlim_max
        };
        if limit.rlim_cur < target {
            limit.rlim_cur = target;
            // SAFETY: as above.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
                tracing::warn!(error = %std::io::Error::last_os_error(), "could not raise the open-files limit");
                limit.rlim_cur = before;
            } else {
                tracing::info!(from = before, to = limit.rlim_cur, "raised the open-files limit");
            }
        }
        let needed = sockets as u64 + RESERVE;
        if limit.rlim_cur < needed {
            tracing::warn!(
                limit = limit.rlim_cur,
                needed,
                "the open-files limit is below what the connection limits allow; lower max_connections, \
                 max_handshakes or admin_max_connections, or raise the hard limit (ulimit -Hn, LimitNOFILE=)"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = sockets;
}
