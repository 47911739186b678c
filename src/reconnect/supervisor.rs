//! The supervisor thread of a reconnecting client: it forwards each connection's events into the
//! client's one channel, decides after each `Close` whether to reconnect, waits out the backoff
//! and starts the next connection.
//!
//! It never sleeps: every wait is on a channel that the handle's `close` (a wake-up) and its
//! drop (a disconnect) interrupt at once, whether it waits for a connection's events, for room
//! in the application's channel, or for the backoff's delay.

use std::io;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver, RecvTimeoutError, Sender};

use crate::reconnect::backoff::Delays;
use crate::reconnect::event::{GiveUp, OpenMark, ReconnectBatch, ReconnectEvent};
use crate::reconnect::policy::{refused_status, Ending, Policy};
use crate::reconnect::shared::{Current, Shared};
use crate::{Builder, CloseEvent, Error, Event, WebSocket};

/// The supervisor's stack: it builds sockets (URL, TLS settings) and moves events, no more.
const STACK_SIZE: usize = 256 << 10;

/// The handle is gone: the supervisor stops at once.
#[derive(Debug)]
struct Gone;

/// One outage: the attempts made since the last connection was lost (or since the client
/// started, if none has opened yet).
#[derive(Debug)]
struct Outage {
    /// When the connection was lost.
    started: Instant,
    /// The attempts scheduled so far.
    attempts: u32,
    /// The delays of the attempts still to come.
    delays: Delays,
}

impl Outage {
    fn start(policy: &Policy) -> Outage {
        Outage {
            started: Instant::now(),
            attempts: 0,
            delays: policy.delays(),
        }
    }
}

/// The supervisor of one reconnecting client.
pub(crate) struct Supervisor {
    /// Builds each connection.
    pub(crate) builder: Builder,
    pub(crate) policy: Policy,
    pub(crate) shared: Arc<Shared>,
    /// Into the application's channel; dropped when the supervisor ends, which disconnects it.
    pub(crate) events: Sender<ReconnectBatch>,
    /// A message when the application closes the client; disconnected when the handle drops.
    pub(crate) wake: Receiver<()>,
}

impl Supervisor {
    /// Starts the supervisor thread with the first connection, already registered as current
    /// with epoch 1.
    pub(crate) fn spawn(self, first: Arc<WebSocket>) -> io::Result<()> {
        thread::Builder::new()
            .name("wsync-reconnect".into())
            .stack_size(STACK_SIZE)
            .spawn(move || self.run(first))
            .map(drop)
    }

    fn run(mut self, first: Arc<WebSocket>) {
        let _ = self.supervise(first);
        let mut state = self.shared.lock();
        state.ended = true;
        state.current = None;
        // `self.events` drops on return: the application's channel disconnects, once it has
        // taken what is in it.
    }

    /// Forwards connection after connection until the application closes the client, a
    /// connection ends in a way that ends the client, or a cap is reached.
    fn supervise(&mut self, first: Arc<WebSocket>) -> Result<(), Gone> {
        let mut epoch = 1;
        let mut connection = Ok(first);
        let mut outage = Outage::start(&self.policy);
        loop {
            let ending = match connection {
                Ok(socket) => {
                    let ending = self.forward(&socket, epoch)?;
                    self.retire(epoch);
                    ending
                }
                Err(error) => self.report_failed_start(error)?,
            };
            if self.shared.lock().closed {
                return Ok(());
            }
            if ending.opened {
                outage = Outage::start(&self.policy);
            }
            let delay = match self.next_delay(&ending, &mut outage) {
                Ok(delay) => delay,
                Err(reason) => return self.give_up(outage.attempts, reason),
            };
            outage.attempts += 1;
            self.emit(ReconnectBatch::new(
                vec![ReconnectEvent::Scheduled {
                    attempt: outage.attempts,
                    delay,
                }],
                None,
            ))?;
            if self.wait(delay)? {
                return Ok(());
            }
            epoch += 1;
            connection = match self.connect(epoch) {
                Some(connection) => connection,
                None => return Ok(()),
            };
        }
    }

    /// The delay before the next attempt, or why there is none.
    fn next_delay(&self, ending: &Ending, outage: &mut Outage) -> Result<Duration, GiveUp> {
        if let Some(reason) = self.policy.verdict(ending) {
            return Err(reason);
        }
        if self
            .policy
            .max_attempts
            .is_some_and(|max| outage.attempts >= max)
        {
            return Err(GiveUp::MaxAttempts);
        }
        let delay = outage.delays.next().unwrap_or_default();
        if let Some(limit) = self.policy.max_elapsed {
            if outage.started.elapsed().saturating_add(delay) > limit {
                return Err(GiveUp::MaxElapsed);
            }
        }
        Ok(delay)
    }

    /// Passes the connection's events on, batch by batch, until its `Close`; notes what the
    /// decision to reconnect needs.
    fn forward(&mut self, socket: &WebSocket, epoch: u64) -> Result<Ending, Gone> {
        let mut ending = Ending {
            opened: false,
            refused: None,
            close_code: 1006,
        };
        loop {
            select! {
                recv(socket.events()) -> batch => {
                    // Disconnected only after the `Close`, which ends the loop first.
                    let Ok(batch) = batch else { return Ok(ending) };
                    let mut events = Vec::with_capacity(batch.len());
                    let mut open = None;
                    let mut closed = false;
                    for event in batch {
                        match &event {
                            Event::Open => {
                                ending.opened = true;
                                open = Some(OpenMark {
                                    seen: self.shared.seen.clone(),
                                    epoch,
                                });
                            }
                            Event::Error(error) => ending.refused = refused_status(error),
                            Event::Close(close) => {
                                ending.close_code = close.code;
                                closed = true;
                            }
                            _ => {}
                        }
                        events.push(ReconnectEvent::Socket(event));
                    }
                    self.emit(ReconnectBatch::new(events, open))?;
                    if closed {
                        return Ok(ending);
                    }
                },
                // A wake-up: `close` closes the socket itself, and its `Close` ends the loop.
                recv(self.wake) -> wake => if wake.is_err() { return Err(Gone) },
            }
        }
    }

    /// A connection that could not even start (the builder failed where it had succeeded
    /// before, e.g. no thread for its reader): reported as a connection that failed, an `Error`
    /// then a `Close` 1006, so that every attempt ends with a `Close`.
    fn report_failed_start(&mut self, error: Error) -> Result<Ending, Gone> {
        let ending = Ending {
            opened: false,
            refused: refused_status(&error),
            close_code: 1006,
        };
        let close = CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        };
        self.emit(ReconnectBatch::new(
            vec![
                ReconnectEvent::Socket(Event::Error(error)),
                ReconnectEvent::Socket(Event::Close(close)),
            ],
            None,
        ))?;
        Ok(ending)
    }

    /// Forgets connection `epoch` as the current one, so that sends fail at once.
    fn retire(&self, epoch: u64) {
        let mut state = self.shared.lock();
        if state.current.as_ref().is_some_and(|c| c.epoch == epoch) {
            state.current = None;
        }
    }

    /// Starts connection `epoch` and makes it the current one, unless the application has
    /// already closed the client (`None`). The build is outside the lock, so that sends and
    /// `ready_state` never wait for it; a `close` that comes meanwhile finds no connection to
    /// close, so the connection is closed here (which aborts it) and its `Error` and `Close`
    /// still come, as for any attempt that reached the network.
    fn connect(&self, epoch: u64) -> Option<Result<Arc<WebSocket>, Error>> {
        if self.shared.lock().closed {
            return None;
        }
        let socket = match self.builder.clone().build() {
            Ok(socket) => Arc::new(socket),
            Err(error) => return Some(Err(error)),
        };
        let closed = {
            let mut state = self.shared.lock();
            state.current = Some(Current {
                epoch,
                socket: socket.clone(),
            });
            state.closed
        };
        if closed {
            let _ = socket.close();
        }
        Some(Ok(socket))
    }

    /// Reports that the client stops reconnecting, its last event. The ready state is CLOSED
    /// by the time the application sees it.
    fn give_up(&mut self, attempts: u32, reason: GiveUp) -> Result<(), Gone> {
        self.shared.lock().ended = true;
        self.emit(ReconnectBatch::new(
            vec![ReconnectEvent::GaveUp { attempts, reason }],
            None,
        ))
    }

    /// Waits out a backoff delay; true when the application closed the client meanwhile.
    fn wait(&self, delay: Duration) -> Result<bool, Gone> {
        let deadline = Instant::now().checked_add(delay);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let woken = match left {
                Some(left) => self.wake.recv_timeout(left),
                None => self.wake.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match woken {
                Ok(()) if self.shared.lock().closed => return Ok(true),
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => return Ok(self.shared.lock().closed),
                Err(RecvTimeoutError::Disconnected) => return Err(Gone),
            }
        }
    }

    /// Puts a batch into the application's channel, waiting for room (backpressure: meanwhile
    /// the connection's own queue fills, then its reader stops reading).
    fn emit(&mut self, batch: ReconnectBatch) -> Result<(), Gone> {
        let mut batch = Some(batch);
        loop {
            select! {
                send(self.events, batch.take().expect("sent once")) -> sent => {
                    return sent.map_err(|_| Gone);
                },
                recv(self.wake) -> wake => if wake.is_err() { return Err(Gone) },
            }
        }
    }
}
