//! A table of objects by index, bounded by a limit, as most of vRouter's tables are.

/// Objects at indexes `0..limit`; absent slots are `None`.
#[derive(Debug, Clone)]
pub struct IndexTable<T> {
    slots: Vec<Option<T>>,
    limit: u32,
}

impl<T> IndexTable<T> {
    /// An empty table for indexes `0..limit`. Slots are allocated as they are used, so a large
    /// limit costs nothing until filled.
    pub fn new(limit: u32) -> Self {
        IndexTable { slots: Vec::new(), limit }
    }

    /// The number of indexes.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Whether `index` is inside the table (vRouter answers EINVAL otherwise).
    pub fn in_range(&self, index: i64) -> bool {
        (0..self.limit as i64).contains(&index)
    }

    /// The object at `index`.
    pub fn get(&self, index: u32) -> Option<&T> {
        self.slots.get(index as usize).and_then(Option::as_ref)
    }

    /// The object at `index`, mutable.
    pub fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        self.slots.get_mut(index as usize).and_then(Option::as_mut)
    }

    /// Stores `value` at `index` (which must be in range), returning what was there.
    pub fn insert(&mut self, index: u32, value: T) -> Option<T> {
        assert!(index < self.limit, "index {index} beyond the table limit {}", self.limit);
        let i = index as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i].replace(value)
    }

    /// Takes the object at `index` out.
    pub fn remove(&mut self, index: u32) -> Option<T> {
        self.slots.get_mut(index as usize).and_then(Option::take)
    }

    /// Present objects with index `> marker`, in index order: a dump page starts here
    /// (marker −1 starts at 0).
    pub fn after(&self, marker: i64) -> impl Iterator<Item = (u32, &T)> {
        let start = usize::try_from(marker.saturating_add(1)).unwrap_or(0);
        self.slots.iter().enumerate().skip(start).filter_map(|(i, s)| s.as_ref().map(|v| (i as u32, v)))
    }

    /// Present objects, mutable, in index order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, s)| s.as_mut().map(|v| (i as u32, v)))
    }

    /// Empties the table.
    pub fn clear(&mut self) {
        self.slots.clear();
    }

    /// How many objects are present.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Whether no object is present.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }
}
