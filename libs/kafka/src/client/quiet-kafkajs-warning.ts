let installed = false;

/**
 * kafkajs 2.2.4 hands setTimeout a negative delay on Node 24 (tulios/kafkajs#1751, unfixed upstream). Node
 * clamps it to 1 ms, so it is harmless, but it prints a TimeoutNegativeWarning on every connection. This drops
 * that one warning and prints every other warning as Node would.
 */
export function quietKafkajsTimeoutWarning(): void {
  if (installed) return;
  installed = true;
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const print of printers) print(warning);
  });
}
