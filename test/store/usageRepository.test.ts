import { describe } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runUsageSuite } from './usageSuite.js';

describe('SqliteStore usage repository', () => {
  runUsageSuite((clock) => openStore({ path: ':memory:', clock }));
});
