import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore, type MailStoreOptions } from '../../src/store/index.js';

export interface TestEnv {
  dir: string;
  configFile: string;
  config: ImapdConfig;
  open(extra?: Partial<MailStoreOptions>): MailStore;
  cleanup(): void;
}

/** A fresh temp directory with configdirectory, partitions "default" and "other", and a config file. */
export function makeEnv(extraConfig = ''): TestEnv {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cyrusts-store-'));
  const text = [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    `partition-other: ${join(dir, 'spool2')}`,
    'defaultpartition: default',
    extraConfig,
  ].join('\n');
  const configFile = join(dir, 'imapd.conf');
  fs.writeFileSync(configFile, text);
  const config = ImapdConfig.load(configFile);
  const stores: MailStore[] = [];
  return {
    dir,
    configFile,
    config,
    open(extra = {}) {
      const store = MailStore.open({ config, ...extra });
      stores.push(store);
      return store;
    },
    cleanup() {
      for (const s of stores) {
        try {
          s.close();
        } catch {
          // already closed
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function message(subject: string, body = 'Hello.\n'): Buffer {
  return Buffer.from(`From: Fred <fred@example.com>\nTo: joe@example.com\nSubject: ${subject}\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\n\n${body}`);
}

/** Run `fn` on a mailbox's cyrus.index (in `dir`) through a connection of its own. */
export function withIndexFile<T>(dir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'cyrus.index'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
