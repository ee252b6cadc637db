const STORAGE_KEY = 'gpufleet.apiKey';

/**
 * The server prints a sign-in link `…/#key=<admin key>`. A fragment never reaches the server or a
 * Referer header; it is moved into localStorage and removed from the address bar at once, so the key
 * does not linger in history or get shared with a copied link.
 */
export function takeKeyFromFragment(): boolean {
  const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return false;
  saveKey(decodeURIComponent(match[1]));
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  return true;
}

export function storedKey(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveKey(key: string): void {
  window.localStorage.setItem(STORAGE_KEY, key.trim());
}

export function forgetKey(): void {
  window.localStorage.removeItem(STORAGE_KEY);
}
