//! The fuzzingserver protocol shared by the Autobahn clients: ask for the case count, run every
//! case, then ask for the report update. Each client supplies the three steps.

use std::process::ExitCode;
use std::time::Instant;

/// Print progress every this many cases.
const PROGRESS_EVERY: u32 = 50;

/// Runs every case against the fuzzingserver at the URL given as the first argument
/// (default `ws://127.0.0.1:9001`), with the client's three steps: `{base}/getCaseCount`,
/// `{base}/runCase?case=N&agent=AGENT` (echo every message until the case closes) and
/// `{base}/updateReports?agent=AGENT`. Fails only when the count or the report update fails; a
/// case that fails is printed and the run goes on.
pub fn run(
    agent: &str,
    case_count: fn(&str) -> Result<u32, String>,
    run_case: fn(&str, u32) -> Result<(), String>,
    update_reports: fn(&str) -> Result<(), String>,
) -> ExitCode {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let base = base.trim_end_matches('/');
    let started = Instant::now();
    let count = match case_count(base) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{agent}: getCaseCount failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{count} cases, agent {agent}");
    for case in 1..=count {
        if let Err(e) = run_case(base, case) {
            eprintln!("{e}");
        }
        if case % PROGRESS_EVERY == 0 || case == count {
            println!(
                "  {case}/{count} cases done ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    if let Err(e) = update_reports(base) {
        eprintln!("{agent}: updateReports failed: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "reports updated; {count} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
