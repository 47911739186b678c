//! The fuzzingserver protocol shared by the Autobahn clients: ask for the case count, run every
//! case, then ask for the report update. Each client supplies the three steps.

use std::process::ExitCode;
use std::time::Instant;

/// Print progress every this many cases.
const PROGRESS_EVERY: u32 = 50;

/// One WebSocket client's way of talking to the fuzzingserver.
pub trait Client {
    /// The agent name the reports are filed under.
    const AGENT: &'static str;
    /// `{base}/getCaseCount`: the number of cases.
    fn case_count(base: &str) -> Result<u32, String>;
    /// `{base}/runCase?case={case}&agent={AGENT}`: echo every message until the case closes.
    fn run_case(base: &str, case: u32) -> Result<(), String>;
    /// `{base}/updateReports?agent={AGENT}`.
    fn update_reports(base: &str) -> Result<(), String>;
}

/// Runs every case against the fuzzingserver at the URL given as the first argument
/// (default `ws://127.0.0.1:9001`). Fails only when the count or the report update fails; a
/// case that fails is printed and the run goes on.
pub fn run<C: Client>() -> ExitCode {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let base = base.trim_end_matches('/');
    let started = Instant::now();
    let count = match C::case_count(base) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{}: getCaseCount failed: {e}", C::AGENT);
            return ExitCode::FAILURE;
        }
    };
    println!("{count} cases, agent {}", C::AGENT);
    for case in 1..=count {
        if let Err(e) = C::run_case(base, case) {
            eprintln!("{e}");
        }
        if case % PROGRESS_EVERY == 0 || case == count {
            println!(
                "  {case}/{count} cases done ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    if let Err(e) = C::update_reports(base) {
        eprintln!("{}: updateReports failed: {e}", C::AGENT);
        return ExitCode::FAILURE;
    }
    println!(
        "reports updated; {count} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
