// @ts-check
import tseslint from 'typescript-eslint';

// Node built-ins are not available (or not deterministic) inside the workflow sandbox.
const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'util', 'worker_threads'];
const sandboxRestriction = {
  patterns: [
    { group: ['node:*'], message: 'Workflow code runs in the deterministic sandbox: no Node APIs.' },
    {
      group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/envconfig'],
      message: 'Not available in workflow code.',
    },
  ],
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflow code runs in the deterministic sandbox: no Node APIs.',
  })),
};

// The decision core is pure: (state, event) → commands, tested without a server. Nothing from the SDK, nothing from
// Node, nothing from the shell around it: everything it needs lives under src/coordinator/core/.
const pureCore = (outside) => ({
  patterns: [
    ...sandboxRestriction.patterns,
    {
      group: ['@temporalio/*'],
      message: 'The decision core is pure: no Temporal SDK (that is the shell, one folder up).',
    },
    { group: [outside], message: 'The decision core imports only from src/coordinator/core/.' },
  ],
  paths: sandboxRestriction.paths,
});

export default tseslint.config(
  { ignores: ['node_modules', 'lib', 'coverage', 'bench/results', 'test/consumer/app'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/workflows/**', 'src/coordinator/**', 'src/interceptors/**', 'test/fixtures/workflows.ts'],
    rules: { 'no-restricted-imports': ['error', sandboxRestriction] },
  },
  { files: ['src/coordinator/core/*.ts'], rules: { 'no-restricted-imports': ['error', pureCore('../*')] } },
  { files: ['src/coordinator/core/*/**'], rules: { 'no-restricted-imports': ['error', pureCore('../../*')] } },
  { files: ['eslint.config.mjs'], ...tseslint.configs.disableTypeChecked },
);
