/**
 * The library's workflows: `temporal-concurrency/workflows`, for replaying coordinator histories or assembling a
 * bundle by hand. Workers get them through `withConcurrency`/`createWorker`, which also register the activities the
 * coordinator needs.
 *
 * @module
 */
export { concurrencyCoordinator } from '../coordinator/workflow';
