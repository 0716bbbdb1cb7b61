// Every page of the web console, in the order of the navigation.
import type { WebPage } from '../router.ts';
import { eventsPage } from './events.ts';
import { overviewPage } from './overview.ts';
import { pipelinePage } from './pipeline.ts';
import { robotsPage } from './robots.ts';
import { runPage } from './run.ts';
import { tracePage } from './trace.ts';
import { transactionPage } from './transaction.ts';
import { transactionsPage } from './transactions.ts';

export const consolePages: readonly WebPage[] = [
  overviewPage,
  transactionsPage,
  transactionPage,
  runPage,
  tracePage,
  robotsPage,
  eventsPage,
  pipelinePage,
];
