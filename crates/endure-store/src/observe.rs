//! What a durable store's writer tells an observer: each batch it applied in one transaction
//! (group commit), its size and how long the transaction took, for metrics.

/// Told of every batch a store's writer applied.
pub trait StoreObserver: Send + Sync + 'static {
    /// A batch of `ops` operations went through one transaction, which took `seconds` from
    /// its start to its commit (or failure).
    fn batch(&self, ops: usize, seconds: f64);
}
