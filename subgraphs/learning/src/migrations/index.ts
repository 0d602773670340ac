import { Migration20261206000000_learning } from './Migration20261206000000_learning.js';

export const migrations = [{ name: 'Migration20261206000000_learning', class: Migration20261206000000_learning }];
