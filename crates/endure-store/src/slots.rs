//! Run slots under a cluster-wide limit ([`crate::Store::claim_slots`]): how many instances a
//! node may run at once when several nodes share a store and one `max_running`.
//!
//! Each node records what it wants (what it runs plus what it has queued, capped at the limit)
//! and what it holds. A node's fair share is its part of a water-filling of the limit over the
//! live nodes' wants: nodes that want little get all of it, the rest is split evenly. It may hold
//! at most its fair share and never more than the limit leaves beside what the others hold; a
//! node over its share (it ran more before another node wanted any) starts nothing new until it
//! is under, so the cluster converges on the fair split within one claim of each node.

use endure_model::Timestamp;

/// A node's request for run slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotClaim {
    pub node: String,
    /// Instances the node runs now (they keep their slots whatever the answer).
    pub running: usize,
    /// Instances it would run now if it could (running ones included).
    pub want: usize,
    /// The cluster-wide limit.
    pub limit: usize,
    /// Nodes whose heartbeat ends at or before `now` are dead and hold nothing.
    pub now: Timestamp,
}

/// What another live node recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSlots {
    pub node: String,
    pub want: usize,
    pub holds: usize,
}

/// The answer to a claim: the node's allowance (how many it may run at once now) and what it
/// is recorded as holding (its allowance, or more while it still runs more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotGrant {
    pub allowance: usize,
    pub holds: usize,
}

/// Decides a claim given the other live nodes' records.
pub fn grant(claim: &SlotClaim, others: &[NodeSlots]) -> SlotGrant {
    let want = claim.want.max(claim.running).min(claim.limit);
    let mut wants: Vec<(usize, &str)> = others
        .iter()
        .filter(|o| o.node != claim.node)
        .map(|o| (o.want.min(claim.limit), o.node.as_str()))
        .collect();
    wants.push((want, claim.node.as_str()));
    wants.sort();
    let mut left = claim.limit;
    let mut share = 0;
    for (k, (w, node)) in wants.iter().enumerate() {
        let n = wants.len() - k;
        // Ties in want go by node name, so every node computes the same split.
        let give = (*w).min(left / n);
        left -= give;
        if *node == claim.node {
            share = give;
        }
    }
    let held_by_others: usize = others
        .iter()
        .filter(|o| o.node != claim.node)
        .map(|o| o.holds)
        .sum();
    let free = claim.limit.saturating_sub(held_by_others);
    let allowance = share.min(free);
    SlotGrant {
        allowance,
        holds: allowance.max(claim.running),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(node: &str, running: usize, want: usize, limit: usize) -> SlotClaim {
        SlotClaim {
            node: node.into(),
            running,
            want,
            limit,
            now: Timestamp(0),
        }
    }

    fn other(node: &str, want: usize, holds: usize) -> NodeSlots {
        NodeSlots {
            node: node.into(),
            want,
            holds,
        }
    }

    #[test]
    fn alone_a_node_gets_what_it_wants_up_to_the_limit() {
        assert_eq!(grant(&claim("a", 0, 5, 10), &[]).allowance, 5);
        assert_eq!(grant(&claim("a", 0, 50, 10), &[]).allowance, 10);
        assert_eq!(grant(&claim("a", 3, 0, 10), &[]).allowance, 3);
    }

    #[test]
    fn busy_nodes_split_the_limit_and_small_wants_are_met() {
        let g = grant(&claim("a", 0, 100, 10), &[other("b", 100, 0)]);
        assert_eq!(g.allowance, 5);
        let g = grant(&claim("a", 0, 100, 10), &[other("b", 2, 2)]);
        assert_eq!(g.allowance, 8);
        let g = grant(
            &claim("a", 0, 100, 10),
            &[other("b", 100, 0), other("c", 100, 0)],
        );
        assert!((3..=4).contains(&g.allowance), "{g:?}");
    }

    #[test]
    fn what_others_hold_is_not_granted_twice() {
        // B holds 9 of 10 from before A wanted any: A gets 1 now, its share once B gives back.
        let g = grant(&claim("a", 0, 100, 10), &[other("b", 100, 9)]);
        assert_eq!(g.allowance, 1);
        // A node over its share keeps what runs but may start nothing new.
        let g = grant(&claim("b", 9, 100, 10), &[other("a", 100, 1)]);
        assert_eq!(
            g,
            SlotGrant {
                allowance: 5,
                holds: 9
            }
        );
    }

    #[test]
    fn the_shares_never_add_up_to_more_than_the_limit() {
        for limit in 1..20 {
            for n in 1..5 {
                let nodes: Vec<String> = (0..n).map(|k| format!("n{k}")).collect();
                let total: usize = nodes
                    .iter()
                    .map(|me| {
                        let others: Vec<NodeSlots> = nodes
                            .iter()
                            .filter(|o| *o != me)
                            .map(|o| other(o, 1000, 0))
                            .collect();
                        grant(&claim(me, 0, 1000, limit), &others).allowance
                    })
                    .sum();
                assert!(total <= limit, "limit {limit}, {n} nodes: {total}");
                assert!(total + n > limit, "limit {limit}, {n} nodes: only {total}");
            }
        }
    }
}
