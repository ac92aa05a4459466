//! The path database: `ROOT/nix/var/cairn/db/db.sqlite`.
//!
//! The schema follows Nix's (`ValidPaths`, `Refs`, `DerivationOutputs`), so
//! anyone who knows `nix/var/nix/db/db.sqlite` can read it, but it is a
//! separate file: cairn never opens Nix's own database. The schema is
//! versioned with `PRAGMA user_version`; [`MIGRATIONS`] holds one step per
//! version and opening a database applies the missing steps in one
//! transaction.
//!
//! Paths are stored as full logical paths (`/nix/store/HASH-NAME`), hashes
//! as `sha256:BASE16`, signatures space-separated, as Nix stores them.
//!
//! Concurrency: WAL mode (readers never block the writer), a busy timeout
//! so that concurrent processes wait instead of failing, and every write
//! transaction starts `IMMEDIATE` so two writers cannot deadlock upgrading
//! read locks.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cairn_hash::Hash;
use cairn_narinfo::PathInfo;
use cairn_store_path::{ContentAddress, StoreDir, StorePath};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{StoreError, ValidPathInfo};

/// One SQL script per schema version; index `i` brings version `i` to
/// `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: Nix's schema 10, less the tables cairn does not use.
    "
    create table ValidPaths (
        id               integer primary key autoincrement not null,
        path             text unique not null,
        hash             text not null,
        registrationTime integer not null,
        deriver          text,
        narSize          integer,
        ultimate         integer,
        sigs             text,
        ca               text
    );
    create table Refs (
        referrer  integer not null,
        reference integer not null,
        primary key (referrer, reference),
        foreign key (referrer) references ValidPaths(id) on delete cascade,
        foreign key (reference) references ValidPaths(id) on delete restrict
    );
    create index IndexReferrer on Refs(referrer);
    create index IndexReference on Refs(reference);
    create trigger DeleteSelfRefs before delete on ValidPaths
      begin
        delete from Refs where referrer = old.id and reference = old.id;
      end;
    create table DerivationOutputs (
        drv  integer not null,
        id   text not null,
        path text not null,
        primary key (drv, id),
        foreign key (drv) references ValidPaths(id) on delete cascade
    );
    create index IndexDerivationOutputs on DerivationOutputs(path);
    ",
];

/// How long a statement waits for another process's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(600);

/// An open database.
#[derive(Debug)]
pub(crate) struct Db {
    conn: Connection,
    path: PathBuf,
}

/// The graph of valid paths, loaded whole for garbage collection.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    /// Every valid path by database id.
    pub(crate) paths: HashMap<i64, String>,
    /// References by referrer id (self-references left out).
    pub(crate) references: HashMap<i64, Vec<i64>>,
    /// Derivers by id (`deriver` column), as logical paths.
    pub(crate) derivers: HashMap<i64, String>,
    /// NAR sizes by id.
    pub(crate) nar_sizes: HashMap<i64, u64>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Db, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Database {
            db: path.to_owned(),
            context: "opening it".to_owned(),
            source,
        })?;
        let mut db = Db {
            conn,
            path: path.to_owned(),
        };
        db.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(db.err("setting the busy timeout"))?;
        db.conn
            .pragma_update(None, "journal_mode", "wal")
            .map_err(db.err("switching to WAL mode"))?;
        db.conn
            .execute_batch("pragma synchronous = normal; pragma foreign_keys = on;")
            .map_err(db.err("setting pragmas"))?;
        db.migrate()?;
        Ok(db)
    }

    /// A closure that wraps a SQLite error with what was being done.
    pub(crate) fn err(&self, context: &str) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
        let db = self.path.clone();
        let context = context.to_owned();
        move |source| StoreError::Database {
            db: db.clone(),
            context: context.clone(),
            source,
        }
    }

    fn corrupt(&self, reason: String) -> StoreError {
        StoreError::CorruptDatabase {
            db: self.path.clone(),
            reason,
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let supported = MIGRATIONS.len() as i64;
        let err = self.err("migrating the schema");
        // The common case, an up-to-date database, without a write lock.
        if self.schema_version()? == supported {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let version: i64 = tx
            .query_row("pragma user_version", [], |row| row.get(0))
            .map_err(&err)?;
        if version > supported {
            return Err(StoreError::SchemaTooNew {
                db: self.path.clone(),
                found: version,
                supported,
            });
        }
        for script in &MIGRATIONS[usize::try_from(version).unwrap_or(0)..] {
            tx.execute_batch(script).map_err(&err)?;
        }
        tx.pragma_update(None, "user_version", supported)
            .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// The schema version in the file.
    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("pragma user_version", [], |row| row.get(0))
            .map_err(self.err("reading the schema version"))
    }

    fn parse_path(&self, store_dir: &StoreDir, text: &str) -> Result<StorePath, StoreError> {
        store_dir
            .parse_path(text)
            .map_err(|e| self.corrupt(format!("bad store path '{text}': {e}")))
    }

    /// The id of a valid path.
    pub(crate) fn id_of(&self, path: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached("select id from ValidPaths where path = ?1")
            .and_then(|mut stmt| stmt.query_row([path], |row| row.get(0)).optional())
            .map_err(self.err("looking up a path"))
    }

    /// The first of `paths` that is not valid. All are looked up in one
    /// read transaction: one lock of the database, not one per path, which
    /// matters for an object with a thousand references (a user
    /// environment).
    pub(crate) fn first_invalid<'a>(
        &self,
        paths: &'a [String],
    ) -> Result<Option<&'a str>, StoreError> {
        let read = self
            .conn
            .unchecked_transaction()
            .map_err(self.err("starting a read"))?;
        let mut stmt = read
            .prepare_cached("select 1 from ValidPaths where path = ?1")
            .map_err(self.err("looking up paths"))?;
        for path in paths {
            if !stmt.exists([path]).map_err(self.err("looking up paths"))? {
                return Ok(Some(path));
            }
        }
        Ok(None)
    }

    /// The metadata of a valid path.
    pub(crate) fn query_info(
        &self,
        store_dir: &StoreDir,
        path: &StorePath,
    ) -> Result<Option<ValidPathInfo>, StoreError> {
        let text = store_dir.display(path);
        let err = self.err("querying path info");
        let row = self
            .conn
            .prepare_cached(
                "select id, hash, registrationTime, deriver, narSize, ultimate, sigs, ca
                 from ValidPaths where path = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([&text], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, Option<i64>>(4)?,
                        row.get::<_, Option<i64>>(5)?,
                        row.get::<_, Option<String>>(6)?,
                        row.get::<_, Option<String>>(7)?,
                    ))
                })
                .optional()
            })
            .map_err(&err)?;
        let Some((id, hash, time, deriver, nar_size, ultimate, sigs, ca)) = row else {
            return Ok(None);
        };
        let nar_hash = Hash::parse_prefixed(&hash)
            .map_err(|e| self.corrupt(format!("bad hash '{hash}' of '{text}': {e}")))?;
        let mut info = PathInfo::new(
            path.clone(),
            nar_hash,
            u64::try_from(nar_size.unwrap_or(0)).unwrap_or(0),
        );
        info.deriver = match deriver.as_deref() {
            Some(d) if !d.is_empty() => Some(self.parse_path(store_dir, d)?),
            _ => None,
        };
        info.signatures = sigs
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        info.ca = match ca.as_deref() {
            Some(c) if !c.is_empty() => Some(
                c.parse::<ContentAddress>()
                    .map_err(|e| self.corrupt(format!("bad ca '{c}' of '{text}': {e}")))?,
            ),
            _ => None,
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "select path from Refs join ValidPaths on reference = id where referrer = ?1",
            )
            .map_err(&err)?;
        let refs = stmt
            .query_map([id], |row| row.get::<_, String>(0))
            .map_err(&err)?;
        for r in refs {
            info.references
                .insert(self.parse_path(store_dir, &r.map_err(&err)?)?);
        }
        Ok(Some(ValidPathInfo {
            info,
            registration_time: time,
            ultimate: ultimate.unwrap_or(0) != 0,
        }))
    }

    /// Registers `infos` in one transaction: new rows are inserted, rows of
    /// paths that are valid already are updated (their id, and so their
    /// referrers, stay). Every reference must be valid or in `infos`.
    pub(crate) fn register(
        &mut self,
        store_dir: &StoreDir,
        infos: &[ValidPathInfo],
        now: i64,
    ) -> Result<(), StoreError> {
        let err = self.err("registering paths");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let mut ids = HashMap::new();
        {
            let mut select = tx
                .prepare_cached("select id from ValidPaths where path = ?1")
                .map_err(&err)?;
            let mut insert = tx
                .prepare_cached(
                    "insert into ValidPaths
                     (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca)
                     values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&err)?;
            let mut update = tx
                .prepare_cached(
                    "update ValidPaths set hash = ?2, registrationTime = ?3, deriver = ?4,
                     narSize = ?5, ultimate = ?6, sigs = ?7, ca = ?8 where id = ?1",
                )
                .map_err(&err)?;
            for v in infos {
                let info = &v.info;
                let path = store_dir.display(&info.path);
                let hash = info.nar_hash.encode(cairn_hash::Encoding::Base16, true);
                let time = if v.registration_time == 0 {
                    now
                } else {
                    v.registration_time
                };
                let deriver = info.deriver.as_ref().map(|d| store_dir.display(d));
                let size = i64::try_from(info.nar_size).unwrap_or(i64::MAX);
                let sigs = (!info.signatures.is_empty()).then(|| {
                    info.signatures
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                let ca = info.ca.as_ref().map(ToString::to_string);
                let existing: Option<i64> = select
                    .query_row([&path], |row| row.get(0))
                    .optional()
                    .map_err(&err)?;
                let id = if let Some(id) = existing {
                    update
                        .execute(params![
                            id,
                            hash,
                            time,
                            deriver,
                            size,
                            i64::from(v.ultimate),
                            sigs,
                            ca
                        ])
                        .map_err(&err)?;
                    id
                } else {
                    insert
                        .execute(params![
                            path,
                            hash,
                            time,
                            deriver,
                            size,
                            i64::from(v.ultimate),
                            sigs,
                            ca
                        ])
                        .map_err(&err)?;
                    tx.last_insert_rowid()
                };
                ids.insert(info.path.clone(), id);
            }
            let mut add_ref = tx
                .prepare_cached("insert or ignore into Refs (referrer, reference) values (?1, ?2)")
                .map_err(&err)?;
            for v in infos {
                let referrer = ids[&v.info.path];
                for reference in &v.info.references {
                    let target = match ids.get(reference) {
                        Some(id) => *id,
                        None => {
                            let text = store_dir.display(reference);
                            select
                                .query_row([&text], |row| row.get(0))
                                .optional()
                                .map_err(&err)?
                                .ok_or_else(|| StoreError::MissingReference {
                                    path: store_dir.display(&v.info.path),
                                    reference: text,
                                })?
                        }
                    };
                    add_ref.execute([referrer, target]).map_err(&err)?;
                }
            }
        }
        tx.commit().map_err(&err)
    }

    /// Records `drv!output = path`; `drv` must be valid.
    pub(crate) fn add_derivation_output(
        &self,
        drv: &str,
        output: &str,
        path: &str,
    ) -> Result<bool, StoreError> {
        let Some(id) = self.id_of(drv)? else {
            return Ok(false);
        };
        self.conn
            .prepare_cached(
                "insert or replace into DerivationOutputs (drv, id, path) values (?1, ?2, ?3)",
            )
            .and_then(|mut stmt| stmt.execute(params![id, output, path]))
            .map_err(self.err("registering a derivation output"))?;
        Ok(true)
    }

    /// Runs a query returning one column of store paths.
    fn paths<P: rusqlite::Params>(
        &self,
        store_dir: &StoreDir,
        sql: &str,
        params: P,
        context: &str,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        let err = self.err(context);
        let mut stmt = self.conn.prepare_cached(sql).map_err(&err)?;
        let rows = stmt
            .query_map(params, |row| row.get::<_, String>(0))
            .map_err(&err)?;
        let mut out = BTreeSet::new();
        for row in rows {
            out.insert(self.parse_path(store_dir, &row.map_err(&err)?)?);
        }
        Ok(out)
    }

    /// Valid paths referring to `path`, itself excluded.
    pub(crate) fn referrers(
        &self,
        store_dir: &StoreDir,
        path: &str,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        self.paths(
            store_dir,
            "select v.path from Refs r join ValidPaths v on r.referrer = v.id
             where r.reference = (select id from ValidPaths where path = ?1)
             and r.referrer != r.reference",
            [path],
            "querying referrers",
        )
    }

    /// Valid derivations that have `path` as a recorded output.
    pub(crate) fn derivers(
        &self,
        store_dir: &StoreDir,
        path: &str,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        self.paths(
            store_dir,
            "select v.path from DerivationOutputs d join ValidPaths v on d.drv = v.id
             where d.path = ?1",
            [path],
            "querying derivers",
        )
    }

    /// Outputs recorded for `drv`.
    pub(crate) fn derivation_outputs(
        &self,
        store_dir: &StoreDir,
        drv: &str,
    ) -> Result<BTreeMap<String, StorePath>, StoreError> {
        let err = self.err("querying derivation outputs");
        let mut stmt = self
            .conn
            .prepare_cached(
                "select d.id, d.path from DerivationOutputs d join ValidPaths v on d.drv = v.id
                 where v.path = ?1",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map([drv], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(&err)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (name, path) = row.map_err(&err)?;
            out.insert(name, self.parse_path(store_dir, &path)?);
        }
        Ok(out)
    }

    /// The valid path starting with `prefix` (`/nix/store/HASH-`), if any.
    pub(crate) fn path_with_prefix(&self, prefix: &str) -> Result<Option<String>, StoreError> {
        let found: Option<String> = self
            .conn
            .prepare_cached("select path from ValidPaths where path >= ?1 limit 1")
            .and_then(|mut stmt| stmt.query_row([prefix], |row| row.get(0)).optional())
            .map_err(self.err("querying a hash part"))?;
        Ok(found.filter(|p| p.starts_with(prefix)))
    }

    /// Every valid path, as logical paths.
    pub(crate) fn all_paths(&self) -> Result<Vec<String>, StoreError> {
        let err = self.err("listing valid paths");
        let mut stmt = self
            .conn
            .prepare_cached("select path from ValidPaths order by path")
            .map_err(&err)?;
        let rows = stmt.query_map([], |row| row.get(0)).map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// The whole reference graph.
    pub(crate) fn graph(&self) -> Result<Graph, StoreError> {
        let err = self.err("loading the reference graph");
        let mut graph = Graph::default();
        let mut stmt = self
            .conn
            .prepare_cached("select id, path, deriver, narSize from ValidPaths")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<i64>>(3)?,
                ))
            })
            .map_err(&err)?;
        for row in rows {
            let (id, path, deriver, size) = row.map_err(&err)?;
            graph.paths.insert(id, path);
            if let Some(d) = deriver.filter(|d| !d.is_empty()) {
                graph.derivers.insert(id, d);
            }
            graph
                .nar_sizes
                .insert(id, u64::try_from(size.unwrap_or(0)).unwrap_or(0));
        }
        let mut stmt = self
            .conn
            .prepare_cached("select referrer, reference from Refs where referrer != reference")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .map_err(&err)?;
        for row in rows {
            let (from, to) = row.map_err(&err)?;
            graph.references.entry(from).or_default().push(to);
        }
        Ok(graph)
    }

    /// Outputs of every valid derivation, by derivation id.
    pub(crate) fn all_derivation_outputs(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let err = self.err("listing derivation outputs");
        let mut stmt = self
            .conn
            .prepare_cached("select drv, path from DerivationOutputs")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// Deletes the rows of `ids` in one transaction, in the order given
    /// (referrers before their references, or the `restrict` foreign key
    /// refuses).
    pub(crate) fn invalidate(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let err = self.err("invalidating paths");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        {
            let mut stmt = tx
                .prepare_cached("delete from ValidPaths where id = ?1")
                .map_err(&err)?;
            for id in ids {
                stmt.execute([id]).map_err(&err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// What `PRAGMA foreign_key_check` reports, one line per problem.
    pub(crate) fn foreign_key_problems(&self) -> Result<Vec<String>, StoreError> {
        let err = self.err("checking foreign keys");
        let mut stmt = self
            .conn
            .prepare("pragma foreign_key_check")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok(format!(
                    "table {} row {} refers to a missing row of {}",
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<i64>>(1)?.unwrap_or(-1),
                    row.get::<_, String>(2)?
                ))
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }
}
