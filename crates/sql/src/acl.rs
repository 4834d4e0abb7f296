//! Access control lists in PostgreSQL's model: privilege bits with their
//! aclitem letters (`arwdDxtXUCTc`), one `AclItem` per (grantee, grantor)
//! with grant options, each object kind's default ACL (`acldefault`), the
//! text form `grantee=privs/grantor` that `relacl` and psql's `\dp` show,
//! and the edits GRANT, REVOKE and OWNER TO make (`aclupdate`,
//! `aclnewowner`). Pure: no catalog access; names are role names and the
//! empty grantee is PUBLIC.

use serde::{Deserialize, Serialize};

/// The kinds of object that carry an owner and an ACL. A new kind (function,
/// type) is one more variant: its letters, default ACL and noun.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ObjectKind {
    /// Tables, partitioned tables and views (one namespace, one privilege set).
    Table,
    Sequence,
    Schema,
    Database,
}

pub const INSERT: u16 = 1 << 0;
pub const SELECT: u16 = 1 << 1;
pub const UPDATE: u16 = 1 << 2;
pub const DELETE: u16 = 1 << 3;
pub const TRUNCATE: u16 = 1 << 4;
pub const REFERENCES: u16 = 1 << 5;
pub const TRIGGER: u16 = 1 << 6;
pub const EXECUTE: u16 = 1 << 7;
pub const USAGE: u16 = 1 << 8;
pub const CREATE: u16 = 1 << 9;
pub const TEMPORARY: u16 = 1 << 10;
pub const CONNECT: u16 = 1 << 11;

/// Bit, aclitem letter and SQL name, in PostgreSQL's output order.
const PRIVILEGES: &[(u16, char, &str)] = &[
    (INSERT, 'a', "INSERT"),
    (SELECT, 'r', "SELECT"),
    (UPDATE, 'w', "UPDATE"),
    (DELETE, 'd', "DELETE"),
    (TRUNCATE, 'D', "TRUNCATE"),
    (REFERENCES, 'x', "REFERENCES"),
    (TRIGGER, 't', "TRIGGER"),
    (EXECUTE, 'X', "EXECUTE"),
    (USAGE, 'U', "USAGE"),
    (CREATE, 'C', "CREATE"),
    (TEMPORARY, 'T', "TEMPORARY"),
    (CONNECT, 'c', "CONNECT"),
];

/// The bit of a privilege named in GRANT/REVOKE (`TEMP` is `TEMPORARY`).
pub fn privilege_bit(name: &str) -> Option<u16> {
    let upper = name.to_ascii_uppercase();
    let upper = if upper == "TEMP" {
        "TEMPORARY".to_string()
    } else {
        upper
    };
    PRIVILEGES
        .iter()
        .find(|(_, _, n)| *n == upper)
        .map(|(b, _, _)| *b)
}

/// The SQL name of one privilege bit.
pub fn privilege_name(bit: u16) -> &'static str {
    PRIVILEGES
        .iter()
        .find(|(b, _, _)| *b == bit)
        .map(|(_, _, n)| *n)
        .unwrap_or("UNKNOWN")
}

/// The bits of a privilege string such as `SELECT, UPDATE` or `select`
/// (has_table_privilege's argument, case-insensitive, `WITH GRANT OPTION`
/// allowed per item); None for an unknown name.
pub fn parse_privilege_list(list: &str) -> Option<(u16, bool)> {
    let mut bits = 0;
    let mut grant_option = false;
    for item in list.split(',') {
        let words: Vec<String> = item
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        let name = match words.as_slice() {
            [name] => name,
            [name, w, g, o] if w == "WITH" && g == "GRANT" && o == "OPTION" => {
                grant_option = true;
                name
            }
            _ => return None,
        };
        bits |= privilege_bit(name)?;
    }
    Some((bits, grant_option))
}

impl ObjectKind {
    /// Every privilege that applies to the kind (what ALL means).
    pub fn all(self) -> u16 {
        match self {
            ObjectKind::Table => {
                INSERT | SELECT | UPDATE | DELETE | TRUNCATE | REFERENCES | TRIGGER
            }
            ObjectKind::Sequence => USAGE | SELECT | UPDATE,
            ObjectKind::Schema => USAGE | CREATE,
            ObjectKind::Database => CREATE | TEMPORARY | CONNECT,
        }
    }

    /// What PUBLIC holds by default.
    fn public_default(self) -> u16 {
        match self {
            ObjectKind::Database => TEMPORARY | CONNECT,
            _ => 0,
        }
    }

    /// The word PostgreSQL's messages use for the kind.
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Schema => "schema",
            ObjectKind::Database => "database",
        }
    }

    /// One byte naming the kind in catalog keys.
    pub fn tag(self) -> u8 {
        match self {
            ObjectKind::Table => b'r',
            ObjectKind::Sequence => b'S',
            ObjectKind::Schema => b'n',
            ObjectKind::Database => b'd',
        }
    }
}

/// One entry of an ACL: what `grantee` got from `grantor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclItem {
    /// Empty: PUBLIC.
    pub grantee: String,
    pub grantor: String,
    pub privileges: u16,
    /// The subset of `privileges` the grantee may grant on.
    pub grant_options: u16,
}

/// The ACL an object has until its first GRANT/REVOKE (PostgreSQL's
/// `acldefault`): the owner holds everything, PUBLIC its kind's default.
/// The owner's grant options are implicit (never stored, so never shown).
pub fn default_acl(kind: ObjectKind, owner: &str) -> Vec<AclItem> {
    let mut acl = Vec::new();
    if kind.public_default() != 0 {
        acl.push(AclItem {
            grantee: String::new(),
            grantor: owner.to_string(),
            privileges: kind.public_default(),
            grant_options: 0,
        });
    }
    acl.push(AclItem {
        grantee: owner.to_string(),
        grantor: owner.to_string(),
        privileges: kind.all(),
        grant_options: 0,
    });
    acl
}

/// A role name as aclitem text writes it: double-quoted when it holds
/// anything but letters, digits and underscores (PostgreSQL's `putid`).
fn put_name(out: &mut String, name: &str) {
    let plain = name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        out.push_str(name);
        return;
    }
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

impl AclItem {
    /// The aclitem text: `grantee=privs/grantor`, `*` after grantable letters.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        put_name(&mut out, &self.grantee);
        out.push('=');
        for (bit, letter, _) in PRIVILEGES {
            if self.privileges & bit != 0 {
                out.push(*letter);
                if self.grant_options & bit != 0 {
                    out.push('*');
                }
            }
        }
        out.push('/');
        put_name(&mut out, &self.grantor);
        out
    }
}

/// GRANT (`grant`) or REVOKE of `privileges` to/from `grantee` by `grantor`
/// (PostgreSQL's `aclupdate`): grants merge into the item of the same
/// grantee and grantor (or append one); revokes clear bits and drop an item
/// left with nothing. `grant_option_only` revokes just the grant options.
pub fn update(
    acl: &mut Vec<AclItem>,
    grant: bool,
    grantee: &str,
    grantor: &str,
    privileges: u16,
    with_grant_option: bool,
    grant_option_only: bool,
) {
    let at = acl
        .iter()
        .position(|i| i.grantee == grantee && i.grantor == grantor);
    if grant {
        let options = if with_grant_option { privileges } else { 0 };
        match at {
            Some(i) => {
                acl[i].privileges |= privileges;
                acl[i].grant_options |= options;
            }
            None => acl.push(AclItem {
                grantee: grantee.to_string(),
                grantor: grantor.to_string(),
                privileges,
                grant_options: options,
            }),
        }
        return;
    }
    let Some(i) = at else { return };
    acl[i].grant_options &= !privileges;
    if !grant_option_only {
        acl[i].privileges &= !privileges;
    }
    if acl[i].privileges == 0 {
        acl.remove(i);
    }
}

/// The ACL after the owner changes from `old` to `new` (`aclnewowner`):
/// both appear renamed wherever they stood, and items that became the same
/// (grantee, grantor) pair are merged.
pub fn new_owner(acl: &[AclItem], old: &str, new: &str) -> Vec<AclItem> {
    let mut out: Vec<AclItem> = Vec::with_capacity(acl.len());
    for item in acl {
        let mut item = item.clone();
        if item.grantee == old {
            item.grantee = new.to_string();
        }
        if item.grantor == old {
            item.grantor = new.to_string();
        }
        match out
            .iter_mut()
            .find(|o| o.grantee == item.grantee && o.grantor == item.grantor)
        {
            Some(o) => {
                o.privileges |= item.privileges;
                o.grant_options |= item.grant_options;
            }
            None => out.push(item),
        }
    }
    out
}

/// Privileges of `acl` held by PUBLIC or by any role in `roles`, and the
/// grant options among them (PostgreSQL's `aclmask`).
pub fn mask(acl: &[AclItem], roles: &[String]) -> (u16, u16) {
    let mut privileges = 0;
    let mut options = 0;
    for item in acl {
        if item.grantee.is_empty() || roles.contains(&item.grantee) {
            privileges |= item.privileges;
            options |= item.grant_options;
        }
    }
    (privileges, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(acl: &[AclItem]) -> Vec<String> {
        acl.iter().map(AclItem::to_text).collect()
    }

    #[test]
    fn grant_revoke_and_text_form() {
        let mut acl = default_acl(ObjectKind::Table, "postgres");
        assert_eq!(text(&acl), ["postgres=arwdDxt/postgres"]);
        update(&mut acl, true, "alice", "postgres", SELECT, false, false);
        update(
            &mut acl,
            true,
            "",
            "postgres",
            SELECT | UPDATE,
            false,
            false,
        );
        assert_eq!(
            text(&acl),
            [
                "postgres=arwdDxt/postgres",
                "alice=r/postgres",
                "=rw/postgres"
            ]
        );
        // Grant options are shown with a star; with_grant_option marks them.
        update(&mut acl, true, "Bob x", "postgres", INSERT, true, false);
        assert_eq!(text(&acl)[3], "\"Bob x\"=a*/postgres");
        update(&mut acl, false, "Bob x", "postgres", INSERT, false, true);
        assert_eq!(text(&acl)[3], "\"Bob x\"=a/postgres");
        update(
            &mut acl,
            false,
            "alice",
            "postgres",
            ObjectKind::Table.all(),
            false,
            false,
        );
        assert_eq!(acl.len(), 3, "an item left with nothing goes");
        assert_eq!(
            text(&default_acl(ObjectKind::Database, "postgres")),
            ["=Tc/postgres", "postgres=CTc/postgres"]
        );
        assert_eq!(text(&default_acl(ObjectKind::Sequence, "o")), ["o=rwU/o"]);
    }

    #[test]
    fn owner_change_merges_and_mask_sees_public() {
        let mut acl = default_acl(ObjectKind::Table, "a");
        update(&mut acl, true, "b", "a", SELECT, false, false);
        let moved = new_owner(&acl, "a", "b");
        assert_eq!(text(&moved), ["b=arwdDxt/b"]);
        update(&mut acl, true, "", "a", DELETE, false, false);
        assert_eq!(mask(&acl, &["b".into()]), (SELECT | DELETE, 0));
        assert_eq!(mask(&acl, &["z".into()]), (DELETE, 0));
        assert_eq!(
            parse_privilege_list("select, Update"),
            Some((SELECT | UPDATE, false))
        );
        assert_eq!(
            parse_privilege_list("SELECT WITH GRANT OPTION"),
            Some((SELECT, true))
        );
        assert_eq!(parse_privilege_list("bogus"), None);
    }
}
