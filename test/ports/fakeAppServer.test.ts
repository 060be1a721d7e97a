import os from 'node:os';
import { describe } from 'vitest';
import { FakeAppServer } from '../helpers/fakeAppServer.js';
import { runAppServerSuite } from './appServerSuite.js';

describe('AppServer port: the fake core tests use', () => {
  runAppServerSuite(async () => {
    const fake = new FakeAppServer();
    return { appServer: fake, onEvent: (listener) => fake.onEvent(listener), workspace: os.tmpdir(), close: async () => fake.crash() };
  });
});
