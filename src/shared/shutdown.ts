/**
 * Stops a process cleanly on SIGINT or SIGTERM: runs `stop` (which exits), or
 * reports why it could not and exits with 1.
 */
export function stopOnSignals(stop: () => Promise<void>): void {
  const onSignal = () => {
    stop().catch((err: unknown) => {
      console.error('Arresto non riuscito:', err);
      process.exit(1);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
