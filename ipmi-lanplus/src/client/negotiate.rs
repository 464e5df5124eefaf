//! Which cipher suite a session uses, and why (IPMI 2.0 §13.17, §13.18,
//! §22.15): the caller's pinned suite, else the strongest that the BMC
//! lists in Get Channel Cipher Suites, else 17 then 3 offered in turn; and
//! whether the BMC may answer Open Session with other algorithms.

use std::fmt;

use crate::config::PREFERRED_SUITES;
use crate::crypto::suite::CipherSuite;
use crate::error::Error;
use crate::server::cipher_suites::parse_suite_records;
use crate::ClientConfig;

/// Why the session offered the suite it offered (IPMI 2.0 §22.15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The caller pinned it (`-C`).
    Pinned,
    /// The strongest of those the BMC lists in Get Channel Cipher Suites.
    Listed(Vec<u8>),
    /// The BMC did not list its suites (it refused the command, or did not
    /// answer within its share of the deadline): 17, then 3, were offered.
    NotListed(&'static str),
}

/// How the session's cipher suite was chosen, for `-v` (IPMI 2.0 §13.17).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiation {
    /// The suite in use.
    pub suite: u8,
    /// The suite of the accepted Open Session Request; differs from
    /// `suite` when the BMC answered with another suite's algorithms.
    pub offered: u8,
    /// Why `offered` was offered.
    pub reason: Reason,
}

impl fmt::Display for Negotiation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cipher suite {}: ", self.suite)?;
        match &self.reason {
            Reason::Pinned => f.write_str("asked for by ID")?,
            Reason::Listed(ids) => write!(f, "the strongest of those the BMC lists {ids:?}")?,
            Reason::NotListed(why) => write!(
                f,
                "the BMC does not list its suites ({why}); offered 17, then 3"
            )?,
        }
        if self.offered != self.suite {
            write!(
                f,
                "; the BMC answered the offer of suite {} with suite {}'s algorithms",
                self.offered, self.suite
            )?;
        }
        Ok(())
    }
}

/// The suites to offer in turn, and why: from the BMC's record list
/// (`None` when it did not give one, `why` says how).
pub(crate) fn choose(
    config: &ClientConfig,
    records: Option<&[u8]>,
    why: &'static str,
) -> Result<(Vec<CipherSuite>, Reason), Error> {
    if config.cipher_suite.is_some() {
        return Ok((config.suites_to_offer()?, Reason::Pinned));
    }
    let Some(records) = records else {
        return Ok((config.suites_to_offer()?, Reason::NotListed(why)));
    };
    let listed = parse_suite_records(records);
    let ids: Vec<u8> = listed.iter().map(|r| r.0).collect();
    if listed.is_empty() {
        return Ok((config.suites_to_offer()?, Reason::NotListed("empty list")));
    }
    // A record counts when its algorithms are the standard ones of its ID.
    let standard = |id: u8| {
        CipherSuite::from_id(id).filter(|s| {
            listed.contains(&(id, s.auth as u8, s.integrity as u8, s.confidentiality as u8))
        })
    };
    let pick = allowed_ids(config).find_map(standard);
    match pick {
        Some(s) => Ok((vec![s], Reason::Listed(ids))),
        None => Err(Error::NoCommonSuite { listed: ids }),
    }
}

/// Suites that may be used without being pinned, strongest first.
fn allowed_ids(config: &ClientConfig) -> impl Iterator<Item = u8> {
    let insecure = config.allow_insecure.then_some(0);
    PREFERRED_SUITES.into_iter().chain(insecure)
}

/// The supported suite with exactly these algorithms (IPMI 2.0 §22.15.2).
fn suite_with(algs: (u8, u8, u8)) -> Option<CipherSuite> {
    (0..=19).filter_map(CipherSuite::from_id).find(|s| {
        s.is_supported() && (s.auth as u8, s.integrity as u8, s.confidentiality as u8) == algs
    })
}

/// The suite to go on with when the BMC accepted Open Session for
/// `offered` naming the algorithms `got` (IPMI 2.0 §13.18): `offered`
/// itself; else, unless the caller pinned it, the suite `got` forms if
/// policy allows it (one of 17, 3, 2, 1; 0 only with `allow_insecure`);
/// else an error naming both.
pub(crate) fn accept_answer(
    config: &ClientConfig,
    offered: CipherSuite,
    got: (u8, u8, u8),
) -> Result<CipherSuite, Error> {
    let offered_algs = (
        offered.auth as u8,
        offered.integrity as u8,
        offered.confidentiality as u8,
    );
    if offered_algs == got {
        return Ok(offered);
    }
    let answered = suite_with(got);
    let allowed = config.cipher_suite.is_none()
        && answered.is_some_and(|s| allowed_ids(config).any(|id| id == s.id));
    match answered {
        Some(s) if allowed => Ok(s),
        _ => Err(Error::AlgorithmMismatch {
            asked: offered.id,
            offered: offered_algs,
            answered: answered.map(|s| s.id),
            got,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FALLBACK_SUITES;
    use crate::server::cipher_suites::suite_records;

    fn records(ids: &[u8]) -> Vec<u8> {
        let s: Vec<CipherSuite> = ids
            .iter()
            .filter_map(|&i| CipherSuite::from_id(i))
            .collect();
        suite_records(&s)
    }

    fn ids(v: &[CipherSuite]) -> Vec<u8> {
        v.iter().map(|s| s.id).collect()
    }

    #[test]
    fn picks_the_strongest_listed_suite() {
        let c = ClientConfig::new("u", "p");
        for (list, want) in [
            (&[0, 1, 2, 3, 15, 16, 17][..], 17),
            (&[1, 2, 3][..], 3),
            (&[0, 1, 2][..], 2),
            (&[15, 16, 1][..], 1),
        ] {
            let r = records(list);
            let (offer, reason) = choose(&c, Some(&r), "").unwrap();
            assert_eq!(ids(&offer), [want], "{list:?}");
            assert_eq!(reason, Reason::Listed(list.to_vec()));
        }
        // 15/16 and 0 are never picked unasked.
        let r = records(&[0, 15, 16]);
        assert!(matches!(
            choose(&c, Some(&r), ""),
            Err(Error::NoCommonSuite { .. })
        ));
        let insecure = ClientConfig::new("u", "p").allow_insecure(true);
        assert_eq!(ids(&choose(&insecure, Some(&r), "").unwrap().0), [0]);
        // Not listed: 17 then 3; pinned: that one, list or not.
        let (offer, reason) = choose(&c, None, "no answer").unwrap();
        assert_eq!(ids(&offer), FALLBACK_SUITES);
        assert_eq!(reason, Reason::NotListed("no answer"));
        let pinned = ClientConfig::new("u", "p").cipher_suite(16);
        let (offer, reason) = choose(&pinned, Some(&records(&[3])), "").unwrap();
        assert_eq!((ids(&offer), reason), (vec![16], Reason::Pinned));
    }

    #[test]
    fn a_bmc_may_answer_with_another_allowed_suite_unless_pinned() {
        let s = |id| CipherSuite::from_id(id).unwrap();
        let free = ClientConfig::new("u", "p");
        assert_eq!(accept_answer(&free, s(17), (3, 4, 1)).unwrap().id, 17);
        assert_eq!(accept_answer(&free, s(17), (1, 1, 1)).unwrap().id, 3);
        // Suite 0 needs allow_insecure; 16 (no confidentiality) needs -C.
        assert!(accept_answer(&free, s(17), (0, 0, 0)).is_err());
        let insecure = ClientConfig::new("u", "p").allow_insecure(true);
        assert_eq!(accept_answer(&insecure, s(17), (0, 0, 0)).unwrap().id, 0);
        let e = accept_answer(&free, s(17), (3, 4, 0)).unwrap_err();
        assert!(matches!(
            e,
            Error::AlgorithmMismatch {
                answered: Some(16),
                ..
            }
        ));
        // Pinned: must be honoured; the error names both suites.
        let pinned = ClientConfig::new("u", "p").cipher_suite(17);
        let e = accept_answer(&pinned, s(17), (1, 1, 1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Open Session: asked for cipher suite 17 (3, 4, 1), the BMC answered with cipher suite 3's algorithms (1, 1, 1)"
        );
        let e = accept_answer(&free, s(3), (9, 9, 9)).unwrap_err();
        assert!(
            e.to_string().contains("algorithms of no supported suite"),
            "{e}"
        );
        let n = Negotiation {
            suite: 3,
            offered: 17,
            reason: Reason::NotListed("no answer"),
        };
        assert_eq!(
            n.to_string(),
            "cipher suite 3: the BMC does not list its suites (no answer); offered 17, then 3; the BMC answered the offer of suite 17 with suite 3's algorithms"
        );
    }
}
