//! Handlers of the REST API, one module per resource; `common` has what they share.

mod common;
mod instances;
mod steps;
mod versions;
mod workflows;

pub use instances::*;
pub use steps::*;
pub use versions::*;
pub use workflows::*;

pub use common::not_found;
