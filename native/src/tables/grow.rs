//! The vectors behind a column's buffers. Each batch's vector is handed to Arrow whole (no copy); the
//! next batch's vector is reserved once, at its first value, at about what the last batch held. So a
//! batch is built without regrowth copies, and nothing is held between batches: the memory is taken
//! only once the walker writes again (usually after the last batch was dropped, and its memory freed).

use std::ops::{Deref, DerefMut};

#[derive(Default)]
pub struct Grow<T> {
    v: Vec<T>,
    /// What to reserve at the first value: the last batch's length, with a margin.
    hint: usize,
}

impl<T: Copy> Grow<T> {
    #[inline]
    pub fn push(&mut self, value: T) {
        if self.v.len() == self.v.capacity() {
            self.grow(1);
        }
        self.v.push(value);
    }

    #[inline]
    pub fn extend_from_slice(&mut self, values: &[T]) {
        if self.v.capacity() - self.v.len() < values.len() {
            self.grow(values.len());
        }
        self.v.extend_from_slice(values);
    }

    #[cold]
    fn grow(&mut self, more: usize) {
        let hint = std::mem::take(&mut self.hint); // later growth doubles, as a Vec does
        self.v.reserve(more.max(hint.saturating_sub(self.v.len())));
    }

    /// The values, for Arrow; this vector starts again empty.
    pub fn take(&mut self) -> Vec<T> {
        let v = std::mem::take(&mut self.v);
        self.hint = v.len() + v.len() / 4;
        v
    }
}

impl<T> Deref for Grow<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.v
    }
}

impl<T> DerefMut for Grow<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_reserves_once_what_the_last_one_held_and_nothing_is_held_between() {
        let mut g = Grow::<u8>::default();
        for _ in 0..1000 {
            g.push(1);
        }
        g.extend_from_slice(&[2; 600]);
        let first = g.take();
        assert_eq!(first.len(), 1600);
        assert_eq!(g.capacity(), 0, "nothing held between batches");
        g.push(3);
        assert!(g.capacity() >= 2000, "reserved at the first value: {}", g.capacity());
        let reserved = g.capacity();
        g.extend_from_slice(&[4; 1500]);
        assert_eq!(g.capacity(), reserved, "no regrowth within the hint");
        g.extend_from_slice(&[5; 1000]);
        assert!(g.capacity() >= 2501);
        assert_eq!(&g.take()[..2], &[3, 4]);
    }
}
