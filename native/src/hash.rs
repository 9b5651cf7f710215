//! Maps and sets keyed by values of a line (feature ids, frame numbers, object keys). ahash with
//! random keys: cheaper than std's SipHash on short keys (about 2% of the walk's CPU in a profile),
//! and still not predictable from the input.

pub type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, ahash::RandomState>;
