//! A real terminal for interactive mode: the binary runs in a tmux pane of its own (a private
//! tmux server per test), the test types with `send-keys` and reads the screen with
//! `capture-pane`. CI installs tmux (`.ci/run`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::WAIT;
use crate::run::{PROXY_VARIABLES, WSYNC};

/// How often the screen is read while waiting for something to appear on it. The screen is
/// not something to block on, so this polls, within [`WAIT`].
const POLL: Duration = Duration::from_millis(20);

/// A terminal 100 columns wide and 30 lines high, running `wsync ARGS...`.
pub struct Terminal {
    /// The private tmux server's socket name (`tmux -L`).
    socket: String,
    /// Its configuration file, removed on drop.
    config: PathBuf,
    /// Where the shell around wsync writes its exit status, removed on drop.
    status: PathBuf,
}

impl Terminal {
    /// Starts `wsync` with `args` in a new terminal.
    #[track_caller]
    pub fn start(args: &[&str]) -> Terminal {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let socket = format!("wsync-cli-{}-{n}", std::process::id());
        let config = std::env::temp_dir().join(format!("{socket}.conf"));
        // The pane stays after the program exits, so that its exit status can be read.
        std::fs::write(
            &config,
            "set -g remain-on-exit on\nset -g history-limit 1000\n",
        )
        .expect("write the tmux configuration");
        let status = std::env::temp_dir().join(format!("{socket}.status"));
        let _ = std::fs::remove_file(&status);
        // A shell waits for wsync and writes down its exit status: tmux, under load, has been
        // seen to leave an exited program unreaped and its pane never marked dead.
        let mut command = vec![
            "sh".to_owned(),
            "-c".to_owned(),
            r#"status=$1; shift; "$@"; echo "$?" > "$status""#.to_owned(),
            "sh".to_owned(),
            status.display().to_string(),
            WSYNC.to_owned(),
        ];
        command.extend(args.iter().map(|a| (*a).to_owned()));
        let terminal = Terminal {
            socket,
            config,
            status,
        };
        let status = terminal
            .tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "100",
                "-y",
                "30",
                "--",
            ])
            .args(&command)
            .status()
            .expect("run tmux (install it: apt-get install tmux)");
        assert!(status.success(), "tmux new-session failed: {status}");
        terminal
    }

    fn tmux(&self) -> Command {
        let mut command = Command::new("tmux");
        // The server, and so the pane, inherit the environment of the first command.
        for name in PROXY_VARIABLES {
            command.env_remove(name);
        }
        command
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.config);
        command
    }

    /// Types `text` as it is.
    pub fn type_text(&self, text: &str) {
        self.send(&["-l", text]);
    }

    /// Presses keys by tmux's names: `Enter`, `C-c`, `C-d`, `Up`...
    pub fn press(&self, key: &str) {
        self.send(&[key]);
    }

    fn send(&self, keys: &[&str]) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success(), "tmux send-keys {keys:?} failed");
    }

    /// The screen, one line per row, trailing spaces and empty rows at the end left out.
    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        lines[..end].join("\n")
    }

    /// Waits until the screen satisfies `ok`, and returns it; fails the test with the screen
    /// after [`WAIT`].
    #[track_caller]
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("the screen never showed {what} within {WAIT:?}:\n{screen}");
            }
            thread::sleep(POLL);
        }
    }

    /// Waits until the screen has a line equal to `line` (trailing spaces ignored).
    #[track_caller]
    pub fn wait_for_line(&self, line: &str) -> String {
        self.wait_for(&format!("the line {line:?}"), |screen| {
            screen.lines().any(|l| l == line)
        })
    }

    /// Waits until the screen has a line starting with `prefix`.
    #[track_caller]
    pub fn wait_for_line_starting(&self, prefix: &str) -> String {
        self.wait_for(&format!("a line starting with {prefix:?}"), |screen| {
            screen.lines().any(|l| l.starts_with(prefix))
        })
    }

    /// Waits until wsync has exited, and returns its exit status (128 + N for a signal N, as
    /// the shell reports it).
    #[track_caller]
    pub fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            let written = std::fs::read_to_string(&self.status).unwrap_or_default();
            if let Some(line) = written.strip_suffix('\n') {
                return line.parse().expect("an exit status");
            }
            if Instant::now() > deadline {
                panic!(
                    "the program did not exit within {WAIT:?}:\n{}",
                    self.screen()
                );
            }
            thread::sleep(POLL);
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
        let _ = std::fs::remove_file(&self.config);
        let _ = std::fs::remove_file(&self.status);
    }
}

/// The last non-empty line of `screen`: where the prompt is.
pub fn last_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}
