/** Resolved by the workflow bundler to the application's `workflowsPath` (see `withConcurrency`). */
declare module '__temporal_concurrency_application_workflows';
