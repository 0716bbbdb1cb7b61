// Every page of the web console, in the order of the navigation.
import type { WebPage } from '../router.ts';
import { overviewPage } from './overview.ts';
import { transactionPage } from './transaction.ts';

export const consolePages: readonly WebPage[] = [overviewPage, transactionPage];
