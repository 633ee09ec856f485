/**
 * The examples as worker options: merge them into a coordinator worker with
 * `createWorker({ connection, taskQueue, ...exampleWorkerOptions })`.
 *
 * @module
 */
import path from 'node:path';
import { exampleActivities } from './activities';

export const exampleWorkerOptions = {
  workflowsPath: path.join(__dirname, 'workflows'),
  activities: exampleActivities,
};
