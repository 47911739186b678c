//! Bad arguments exit 2 with a message, before anything connects; `--help` shows examples and
//! the exit statuses.

use crate::run::wsync;

#[test]
fn bad_arguments_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["ftp://example.com/"], "SyntaxError"),
        (&["ws://example.com/#fragment"], "SyntaxError"),
        (&["-H", "no colon here", "ws://127.0.0.1:9/"], "NAME: VALUE"),
        (&["--cert", "a.pem", "ws://127.0.0.1:9/"], "--key"),
        (
            &["--ca", "/nonexistent/ca.pem", "wss://127.0.0.1:9/"],
            "/nonexistent/ca.pem",
        ),
        (&["--timeout", "0", "ws://127.0.0.1:9/"], "--timeout"),
        (&["--ping-interval", "soon", "ws://127.0.0.1:9/"], "soon"),
        (
            &["--jsonl", "--binary", "raw", "ws://127.0.0.1:9/"],
            "--binary raw",
        ),
        (
            &["--no-such-option", "ws://127.0.0.1:9/"],
            "--no-such-option",
        ),
        (&[], "<URL>"),
    ];
    for (args, says) in cases {
        let ran = wsync(args).run();
        assert_eq!(ran.status, Some(2), "{args:?}: {ran:#?}");
        assert!(
            ran.stderr.contains(says),
            "{args:?}: stderr lacks {says:?}: {ran:#?}"
        );
        assert_eq!(ran.stdout_text(), "", "{args:?}");
    }
}

#[test]
fn help_has_examples_and_exit_statuses() {
    let ran = wsync(&["--help"]).run();
    ran.assert_status(0);
    let help = ran.stdout_text();
    for part in [
        "Usage: wsync [OPTIONS] <URL>",
        "--header",
        "--insecure",
        "Examples:",
        "echo hello | wsync --wait 1",
        "Exit status:",
        "  10   the server closed with a code other than 1000",
    ] {
        assert!(help.contains(part), "--help lacks {part:?}:\n{help}");
    }
}
