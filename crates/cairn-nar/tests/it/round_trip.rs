//! Property: any tree → encode → parse (and restore) → encode gives the
//! same bytes.

use std::collections::BTreeMap;

use cairn_hash::HashAlgo;
use cairn_nar::{Encoder, Event, NodeKind, Parser};
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    File { executable: bool, contents: Vec<u8> },
    Symlink(Vec<u8>),
    Directory(BTreeMap<Vec<u8>, Node>),
}

type Entries = BTreeMap<Vec<u8>, Node>;

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[a-zA-Z0-9._-]{1,8}".prop_map(String::into_bytes),
        proptest::collection::vec(1u8..=255, 1..6),
    ]
    .prop_map(|mut n| {
        for b in &mut n {
            if *b == b'/' {
                *b = b'_';
            }
        }
        n
    })
    .prop_filter("not . or ..", |n| n != b"." && n != b"..")
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(
            |(executable, contents)| Node::File {
                executable,
                contents
            }
        ),
        proptest::collection::vec(1u8..=255, 1..20).prop_map(Node::Symlink),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        proptest::collection::btree_map(name(), inner, 0..6).prop_map(Node::Directory)
    })
}

fn encode_node<W: std::io::Write>(encoder: &mut Encoder<W>, node: &Node) {
    match node {
        Node::File {
            executable,
            contents,
        } => encoder
            .regular(*executable, contents.len() as u64, &contents[..])
            .unwrap(),
        Node::Symlink(target) => encoder.symlink(target).unwrap(),
        Node::Directory(entries) => {
            encoder.start_directory().unwrap();
            for (name, child) in entries {
                encoder.entry(name).unwrap();
                encode_node(encoder, child);
            }
            encoder.end_directory().unwrap();
        }
    }
}

fn encode(node: &Node) -> Vec<u8> {
    let mut encoder = Encoder::new(Vec::new());
    encode_node(&mut encoder, node);
    encoder.finish().unwrap().0
}

fn parse(nar: &[u8]) -> Node {
    let mut parser = Parser::new(nar);
    let mut stack: Vec<(Vec<u8>, Entries)> = Vec::new();
    let mut root = None;
    while let Some(event) = parser.next_event().unwrap() {
        let (name, node) = match event {
            Event::Node { name, kind, .. } => {
                let name = name.to_vec();
                match kind {
                    NodeKind::Directory => {
                        stack.push((name, BTreeMap::new()));
                        continue;
                    }
                    NodeKind::Symlink { target } => (name, Node::Symlink(target.to_vec())),
                    NodeKind::Regular { executable, .. } => {
                        let mut contents = Vec::new();
                        parser
                            .read_contents(|chunk| {
                                contents.extend_from_slice(chunk);
                                Ok(())
                            })
                            .unwrap();
                        (
                            name,
                            Node::File {
                                executable,
                                contents,
                            },
                        )
                    }
                }
            }
            Event::EndDirectory { .. } => {
                let (name, entries) = stack.pop().unwrap();
                (name, Node::Directory(entries))
            }
        };
        match stack.last_mut() {
            Some((_, entries)) => {
                entries.insert(name, node);
            }
            None => root = Some(node),
        }
    }
    root.unwrap()
}

proptest! {
    #[test]
    fn encode_parse_encode_is_identity(node in tree()) {
        let nar = encode(&node);
        let parsed = parse(&nar);
        prop_assert_eq!(&parsed, &node);
        prop_assert_eq!(encode(&parsed), nar.clone());
        // The listing parser accepts it too.
        cairn_nar::list(&nar[..]).unwrap();
    }

    #[test]
    fn restore_dump_is_identity(node in tree()) {
        let nar = encode(&node);
        let temp = tempfile::tempdir().unwrap();
        let target = temp.path().join("t");
        cairn_nar::restore(&nar[..], &target).unwrap();
        let mut dumped = Vec::new();
        cairn_nar::dump_path(&target, &mut dumped).unwrap();
        prop_assert!(dumped == nar);
        let (hash, size) = cairn_nar::hash_path(&target, HashAlgo::Sha256).unwrap();
        prop_assert_eq!(size, nar.len() as u64);
        prop_assert_eq!(hash, cairn_hash::Hash::digest(HashAlgo::Sha256, &nar));
    }

    /// Corrupting one byte never panics; it is rejected or parses.
    #[test]
    fn corrupted_archives_never_panic(node in tree(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut nar = encode(&node);
        let i = at.index(nar.len());
        nar[i] = byte;
        let _ = cairn_nar::list(&nar[..]);
    }
}
