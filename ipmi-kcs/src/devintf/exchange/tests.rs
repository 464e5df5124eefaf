use std::time::{Duration, Instant};

use ipmi_core::{CompletionCode, NetFn, Target};

use super::*;
use crate::devintf::abi::{IPMI_ASYNC_EVENT_RECV_TYPE, IPMI_RESPONSE_RECV_TYPE};

fn get_device_id() -> Request {
    Request {
        target: Target::bmc(),
        netfn: NetFn::APP,
        cmd: 0x01,
        data: vec![],
    }
}

fn response(msgid: i64, recv_type: i32, data: &[u8]) -> Received {
    Received {
        recv_type,
        msgid,
        addr_type: Some(0x0c),
        netfn: 0x07,
        cmd: 0x01,
        data: data.to_vec(),
        truncated: false,
    }
}

#[test]
fn send_drain_wait_drain_answer() {
    let t0 = Instant::now();
    let deadline = Deadline::after(t0, Duration::from_secs(10));
    let mut ex = Exchange::new(&get_device_id(), deadline, 7).unwrap();
    assert_eq!(
        ex.poll(t0),
        Step::Send {
            msgid: 7,
            timing: kernel_timing(Duration::from_secs(10))
        }
    );
    assert_eq!(ex.poll(t0), Step::Receive);
    assert_eq!(ex.stats().sent, 1);
    ex.received(None);
    assert_eq!(ex.poll(t0), Step::Wait(deadline.instant()));
    // Woken: a late answer to an earlier request, an event, then ours.
    assert_eq!(ex.poll(t0 + Duration::from_secs(1)), Step::Receive);
    ex.received(Some(response(6, IPMI_RESPONSE_RECV_TYPE, &[0x00])));
    assert_eq!(ex.poll(t0), Step::Receive);
    ex.received(Some(response(7, IPMI_ASYNC_EVENT_RECV_TYPE, &[0x00])));
    assert_eq!(ex.poll(t0), Step::Receive);
    ex.received(Some(response(7, IPMI_RESPONSE_RECV_TYPE, &[0x00, 0x20])));
    let Step::Done(Ok(r)) = ex.poll(t0) else {
        panic!("no answer")
    };
    assert_eq!(
        (r.completion, r.data.as_slice()),
        (CompletionCode::SUCCESS, &[0x20][..])
    );
    // Done stays done; more messages change nothing.
    ex.received(Some(response(7, IPMI_RESPONSE_RECV_TYPE, &[0xc3])));
    assert!(matches!(ex.poll(t0), Step::Done(Ok(_))));
    assert_eq!(
        ex.stats(),
        Stats {
            sent: 1,
            answered: 1,
            timeouts: 0,
            stale: 1,
            unsolicited: 1
        }
    );
}

#[test]
fn the_deadline_ends_it_after_a_last_drain() {
    let t0 = Instant::now();
    let deadline = Deadline::after(t0, Duration::from_millis(500));
    let mut ex = Exchange::new(&get_device_id(), deadline, 1).unwrap();
    assert!(matches!(ex.poll(t0), Step::Send { .. }));
    assert_eq!(ex.poll(t0), Step::Receive);
    ex.received(None);
    assert_eq!(ex.poll(t0), Step::Wait(deadline.instant()));
    // The wait ended at the deadline: one more drain, then the timeout.
    let late = t0 + Duration::from_millis(500);
    assert_eq!(ex.poll(late), Step::Receive);
    ex.received(None);
    assert_eq!(
        ex.poll(late),
        Step::Done(Err(Finished::Timeout(Duration::from_millis(500))))
    );
    assert_eq!(ex.stats().timeouts, 1);
    let e = Finished::Timeout(Duration::from_millis(500)).into_error(ex.request());
    assert!(matches!(e, Error::Timeout { waited, .. } if waited == Duration::from_millis(500)));
    // An answer in that last drain still wins.
    let mut ex = Exchange::new(&get_device_id(), deadline, 2).unwrap();
    ex.poll(t0);
    ex.poll(t0);
    ex.received(None);
    ex.poll(t0);
    assert_eq!(ex.poll(late), Step::Receive);
    ex.received(Some(response(2, IPMI_RESPONSE_RECV_TYPE, &[0xc3])));
    assert!(matches!(ex.poll(late), Step::Done(Ok(r)) if r.completion == CompletionCode::TIMEOUT));
}

#[test]
fn expired_before_sending_and_refused_requests() {
    let t0 = Instant::now();
    let mut ex = Exchange::new(&get_device_id(), Deadline::at(t0), 1).unwrap();
    assert_eq!(
        ex.poll(t0),
        Step::Done(Err(Finished::Timeout(Duration::ZERO)))
    );
    assert_eq!(ex.stats().sent, 0);
    assert_eq!(ex.stats().timeouts, 1);
    let mut odd = get_device_id();
    odd.netfn = NetFn(0x07);
    assert!(matches!(
        Exchange::new(&odd, Deadline::at(t0), 1),
        Err(Error::InvalidRequest { .. })
    ));
}

#[test]
fn a_truncated_answer_is_malformed() {
    let t0 = Instant::now();
    let mut ex = Exchange::new(
        &get_device_id(),
        Deadline::after(t0, Duration::from_secs(1)),
        3,
    )
    .unwrap();
    ex.poll(t0);
    ex.poll(t0);
    let mut m = response(3, IPMI_RESPONSE_RECV_TYPE, &[0x00]);
    m.truncated = true;
    ex.received(Some(m));
    let Step::Done(Err(Finished::Malformed(reason))) = ex.poll(t0) else {
        panic!("not malformed")
    };
    assert!(reason.contains("buffer"), "{reason}");
}
