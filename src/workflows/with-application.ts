/**
 * Bundle entry of a worker that runs the coordinators next to the application's own workflows (`withConcurrency`).
 *
 * Temporal bundles one workflows module per worker. `withConcurrency` points the worker at this module and has the
 * bundler resolve the name below to the application's `workflowsPath` (a webpack alias, the way the SDK wires a
 * custom payload converter), so neither side has to import the other.
 *
 * @module
 */
export * from '__temporal_concurrency_application_workflows';
export { concurrencyCoordinator } from '../coordinator/workflow';
