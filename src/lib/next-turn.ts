/**
 * Let the event loop run what is waiting (requests, timers) before going on. Long loops over a whole
 * provider account call this every few hundred items, so a large fleet's refresh never holds a request
 * up for more than a few milliseconds.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
