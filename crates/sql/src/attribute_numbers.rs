//! PostgreSQL attribute numbers (`pg_attribute.attnum`) of a table's
//! columns. PostgreSQL never reuses the number of a dropped column: the
//! slot stays in pg_attribute as an `attisdropped` row named
//! `........pg.dropped.N........`, and a column added later takes the
//! next number. A `TableDef` keeps only its live columns, densely; once a
//! column has been dropped it records here each live column's number and
//! the dropped ones, so the catalogs (pg_attribute, pg_attrdef, pg_index,
//! pg_constraint, information_schema) number columns as PostgreSQL would.
//! Tables that never lost a column record nothing (column i is i + 1),
//! which is also how entries written before this existed decode.

use serde::{Deserialize, Serialize};

use crate::types::ColType;

/// The attribute numbers of a table that has had a column dropped.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AttributeNumbers {
    /// Number of each of the first `live.len()` columns. Columns past
    /// them were added since and follow the highest number ever used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    live: Vec<i16>,
    /// Dropped columns, in the order they were dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dropped: Vec<DroppedAttribute>,
}

/// A dropped column's number and the type it had (pg_attribute keeps its
/// length and alignment).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DroppedAttribute {
    pub attnum: i16,
    pub ty: ColType,
}

impl AttributeNumbers {
    pub fn is_empty(&self) -> bool {
        self.live.is_empty() && self.dropped.is_empty()
    }

    /// The highest number recorded (0: none).
    fn highest_recorded(&self) -> i16 {
        let live = self.live.iter().copied();
        let dropped = self.dropped.iter().map(|d| d.attnum);
        live.chain(dropped).max().unwrap_or(0)
    }

    /// The attnum of the (0-based) live column `column`.
    pub fn attnum(&self, column: usize) -> i16 {
        match self.live.get(column) {
            Some(n) => *n,
            None => {
                let added_since = (column - self.live.len()) as i16;
                self.highest_recorded() + added_since + 1
            }
        }
    }

    /// Column `column` of a table `width` columns wide (before the drop)
    /// is being dropped: its number stays taken.
    pub fn drop_column(&mut self, column: usize, width: usize, ty: ColType) {
        assert!(column < width, "dropping a column the table does not have");
        let mut numbers: Vec<i16> = (0..width).map(|c| self.attnum(c)).collect();
        let attnum = numbers.remove(column);
        self.live = numbers;
        self.dropped.push(DroppedAttribute { attnum, ty });
    }

    /// The dropped columns, in the order they were dropped.
    pub fn dropped(&self) -> &[DroppedAttribute] {
        &self.dropped
    }
}

/// pg_attribute's name for the dropped column numbered `attnum`.
pub fn dropped_column_name(attnum: i16) -> String {
    format!("........pg.dropped.{attnum}........")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SqlType;

    #[test]
    fn untouched_tables_number_columns_from_one() {
        let n = AttributeNumbers::default();
        assert!(n.is_empty());
        assert_eq!((0..3).map(|c| n.attnum(c)).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn dropped_numbers_are_never_reused() {
        // PostgreSQL: (b, a); drop a; add a; drop a; add a -> a is 4.
        let int4 = SqlType::Int4.plain();
        let mut n = AttributeNumbers::default();
        n.drop_column(1, 2, int4);
        assert_eq!(n.attnum(0), 1);
        assert_eq!(n.attnum(1), 3, "a column added after the drop");
        n.drop_column(1, 2, int4);
        assert_eq!(n.attnum(1), 4);
        let dropped: Vec<i16> = n.dropped().iter().map(|d| d.attnum).collect();
        assert_eq!(dropped, [2, 3]);
    }

    #[test]
    fn dropping_a_middle_column_keeps_later_numbers() {
        let text = SqlType::Text.plain();
        let mut n = AttributeNumbers::default();
        n.drop_column(0, 3, text);
        assert_eq!([n.attnum(0), n.attnum(1), n.attnum(2)], [2, 3, 4]);
    }

    #[test]
    fn entries_without_numbers_decode_as_untouched() {
        let n: AttributeNumbers = serde_json::from_str("{}").expect("decodes");
        assert!(n.is_empty());
    }
}
