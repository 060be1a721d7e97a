/** Identity for test commits through the environment: the user's git config is never read or touched. */
export const GIT_TEST_ENV = {
  GIT_AUTHOR_NAME: 'dispatch test',
  GIT_AUTHOR_EMAIL: 'test@dispatch.invalid',
  GIT_COMMITTER_NAME: 'dispatch test',
  GIT_COMMITTER_EMAIL: 'test@dispatch.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
