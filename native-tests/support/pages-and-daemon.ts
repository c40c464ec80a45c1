import { afterAll, beforeAll } from 'vitest';
import { TestDaemon } from './daemon.ts';
import { PageServer } from './page-server.ts';

/**
 * Starts a page server and a daemon before the tests of the enclosing `describe` and stops both
 * after them. Call it in the `describe` body; read `daemon` and `pages` inside tests only, since
 * the hooks have not run when the body does.
 */
export function usePagesAndDaemon(): { readonly daemon: TestDaemon; readonly pages: PageServer } {
  let daemon: TestDaemon;
  let pages: PageServer;

  beforeAll(async () => {
    pages = await PageServer.start();
    daemon = await TestDaemon.start();
  });

  afterAll(async () => {
    await daemon?.stop();
    await pages?.close();
  });

  return {
    get daemon() {
      return daemon;
    },
    get pages() {
      return pages;
    },
  };
}
