//! An idle open connection uses almost no CPU: the reader thread waits for the network instead
//! of spinning, over ws:// and wss:// (Linux: the process's CPU time from `/proc/self/stat`).
//!
//! A test program of its own, not a module of `tests/it/`: it measures the CPU time of the whole
//! process, since a spinning thread may be any of wsync's (the connection's reader, the timer,
//! a pong writer) and the test cannot tell which threads are its own connection's. In the shared
//! program the other tests, running in parallel, would spend CPU time within the idle period.
#![cfg(target_os = "linux")]

// The helpers of `tests/it/`, of which this program uses only a few.
#[path = "it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use std::time::{Duration, Instant};

use common::{connect, echo, expect_close, expect_message, Transport, WAIT};
use wsync::{Message, RecvTimeoutError};

/// Clock ticks per second of `/proc/self/stat` (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// The CPU time (user + system) the whole process has used so far.
fn process_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    // The command name, in parentheses, may hold spaces: count fields after its `)`.
    let rest = &stat[stat.rfind(')').expect("a command name") + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let ticks = |i: usize| -> u64 { fields[i - 3].parse().expect("a tick count") };
    Duration::from_millis((ticks(14) + ticks(15)) * 1000 / TICKS_PER_SECOND)
}

/// A finer figure, for the report: the time on CPU of the process's current threads, in
/// nanoseconds, from `/proc/self/task/*/schedstat` (`None` where the kernel does not provide it).
fn threads_cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// CPU time used over an idle period: the process's (the measure tested) and, when available,
/// the finer sum over its threads.
struct Used {
    process: Duration,
    threads: Option<Duration>,
}

/// Opens a connection to an echo peer, checks it works, then leaves it idle for `idle` and
/// returns the CPU time the process used meanwhile.
fn idle_cpu(t: Transport, idle: Duration) -> Used {
    let server = echo(t);
    let ws = connect(&server.url);
    ws.send("before idling").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("before idling".into()));
    let (before, threads_before) = (process_cpu_time(), threads_cpu_time());
    // Waiting is the behaviour under test: nothing happens on the connection for `idle`.
    match ws.recv_timeout(idle) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("{t:?}: an event while idle: {other:?}"),
    }
    let used = Used {
        process: process_cpu_time() - before,
        threads: threads_cpu_time()
            .zip(threads_before)
            .map(|(after, before)| after.saturating_sub(before)),
    };
    // Still open and working after the idle time.
    ws.send("after idling").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("after idling".into()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    server.join();
    used
}

/// The measurement sees CPU use: spinning makes the process's CPU time grow.
fn check_the_measurement() {
    let (start, before) = (Instant::now(), process_cpu_time());
    while process_cpu_time() - before < Duration::from_millis(100) {
        assert!(
            start.elapsed() < WAIT,
            "spinning for {WAIT:?} did not show in /proc/self/stat"
        );
        std::hint::black_box((0..10_000u64).sum::<u64>());
    }
}

#[test]
fn idle_connection_uses_almost_no_cpu() {
    check_the_measurement();
    let idle = Duration::from_secs(2);
    let limit = Duration::from_millis(200);
    for t in Transport::ALL {
        let used = idle_cpu(t, idle);
        println!(
            "{t:?}: process CPU time over {idle:?} idle: {:?} (threads: {:?})",
            used.process, used.threads
        );
        assert!(
            used.process < limit,
            "{t:?}: {:?} of CPU over {idle:?} idle (limit {limit:?}): a busy loop?",
            used.process
        );
    }
}

/// The measurement: CPU time of an idle wss connection over 5 s. Run it with
/// `cargo test --test idle_connection_cpu -- --ignored --nocapture`.
#[test]
#[ignore = "a 5-second measurement; run with --ignored --nocapture"]
fn idle_wss_cpu_over_five_seconds() {
    let idle = Duration::from_secs(5);
    let used = idle_cpu(Transport::Tls, idle);
    println!(
        "Tls: process CPU time over {idle:?} idle: {:?} (threads: {:?})",
        used.process, used.threads
    );
    assert!(
        used.process < Duration::from_millis(500),
        "{:?} over {idle:?}",
        used.process
    );
}
