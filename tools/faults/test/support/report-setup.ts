import { rmSync } from 'node:fs';
import { RESULTS_FILE } from './report';

export default function clearResults(): void {
  rmSync(RESULTS_FILE, { force: true });
}
