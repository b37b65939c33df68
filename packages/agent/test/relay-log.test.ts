import { describe, expect, it } from 'vitest';
import { CompletedTransactions } from '../src/db/relay-log.js';

// mariadb-binlog 10.11 output, as printed for a relay log (the layout the replay follows).
const printed = `# at 863
#261130 11:48:19 server id 1  end_log_pos 863 CRC32 0xfcef7e61 \tGTID 0-1-4 trans
/*M!100001 SET @@session.gtid_seq_no=4*//*!*/;
START TRANSACTION
/*!*/;
#Q> INSERT INTO t.x VALUES (2, "b")
#261130 11:48:19 server id 1  end_log_pos 1032 CRC32 0xc4ce3414 \tXid = 17
COMMIT/*!*/;
#261130 11:48:19 server id 1  end_log_pos 1100 CRC32 0x11111111 \tGTID 1-1-7 ddl
/*M!100001 SET @@session.gtid_seq_no=7*//*!*/;
CREATE TABLE t.y (id INT PRIMARY KEY)
/*!*/;
#261130 11:48:19 server id 1  end_log_pos 1285 CRC32 0x673123bd \tGTID 0-1-5 trans
/*M!100001 SET @@session.gtid_seq_no=5*//*!*/;
START TRANSACTION
/*!*/;
#Q> INSERT INTO t.x VALUES (4, "b")
`;

describe('the transactions a relay log held whole', () => {
  it('are those with a COMMIT (or Xid) after their GTID, and DDL; a torn last one is not', () => {
    const seen = new CompletedTransactions();
    // Streamed in pieces that split lines, as a pipe delivers them.
    for (let i = 0; i < printed.length; i += 37) seen.feed(Buffer.from(printed.slice(i, i + 37)));
    seen.feed(Buffer.from('\n'));
    expect(Object.fromEntries(seen.last)).toEqual({ 0: '0-1-4', 1: '1-1-7' });
  });
});
