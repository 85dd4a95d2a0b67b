/**
 * liblmdb 0.9.x on-disk constants (64-bit, little-endian), as in mdb.c, checked against files written by
 * liblmdb 0.9.24 (python3-lmdb):
 *
 *   page header (16 B):  pgno u64 | pad u16 | flags u16 | lower u16 | upper u16   (overflow: pages u32)
 *   node pointers:       u16 offsets from the page start, (lower - 16) / 2 of them
 *   node (8 B + key):    lo u16 | hi u16 | flags u16 | ksize u16 | key | data (leaf) ;
 *                        leaf data size = lo | hi << 16 ; branch child pgno = lo | hi << 16 | flags << 32 ;
 *                        F_BIGDATA leaf: data is a u64 pgno of an overflow run holding `size` bytes
 *   meta (pages 0 and 1, after the header): magic u32 0xBEEFC0DE | version u32 (1) | address u64 |
 *                        mapsize u64 | dbs[FREE, MAIN] (48 B each) | last_pg u64 | txnid u64 ;
 *                        the page size lives in dbs[FREE].pad
 *   MDB_db (48 B):       pad u32 | flags u16 | depth u16 | branch u64 | leaf u64 | overflow u64 |
 *                        entries u64 | root u64 (~0 = empty)
 */
export const PAGEHDRSZ = 16;
export const NODESIZE = 8;
export const MDB_MAGIC = 0xbeefc0de;
export const MDB_DATA_VERSION = 1;

export const P_BRANCH = 0x01;
export const P_LEAF = 0x02;
export const P_OVERFLOW = 0x04;
export const P_META = 0x08;
export const P_LEAF2 = 0x20;
export const P_SUBP = 0x40;

export const F_BIGDATA = 0x01;
export const F_SUBDATA = 0x02;
export const F_DUPDATA = 0x04;

/** Persistent database flags (mdb.c PERSISTENT_FLAGS): REVERSEKEY, DUPSORT, INTEGERKEY, DUPFIXED, INTEGERDUP, REVERSEDUP. */
export const PERSISTENT_DB_FLAGS = 0x7e;

/** liblmdb's cursor stack depth (CURSOR_STACK): no valid tree is deeper. */
export const MAX_DEPTH = 32;

/** Offsets inside a meta page. */
export const META = {
  magic: PAGEHDRSZ,
  version: PAGEHDRSZ + 4,
  dbs: PAGEHDRSZ + 24,
  lastPg: PAGEHDRSZ + 24 + 96,
  txnid: PAGEHDRSZ + 24 + 104,
  end: PAGEHDRSZ + 24 + 112,
} as const;
export const DB_SIZE = 48;
export const FREE_DBI = 0;
export const MAIN_DBI = 1;
