import type { ExternalToast } from "sonner";

// Toasts, without their library in the page's first load: sonner (about 12 KB gzipped, as much
// as the whole board's own code) is fetched while the page settles, and a toast asked for
// before it has arrived and its <Toaster> is listening is shown as soon as both are so. Calls
// keep their order: each waits on the same two promises.

type Sonner = typeof import("sonner");
let library: Promise<Sonner> | undefined;
let listening: () => void = () => undefined;
const mounted = new Promise<void>((resolve) => {
  listening = resolve;
});

export function loadToasts(): Promise<Sonner> {
  library ??= import("sonner");
  return library;
}

/** Called by the toaster once it shows what is sent to it. */
export function toasterListening(): void {
  listening();
}

function whenReady(show: (sonner: Sonner["toast"]) => void): void {
  void Promise.all([loadToasts(), mounted]).then(([sonner]) => {
    show(sonner.toast);
  });
}

export const toast = Object.assign(
  (message: string, options?: ExternalToast) => whenReady((sonner) => sonner(message, options)),
  {
    success: (message: string, options?: ExternalToast) =>
      whenReady((sonner) => sonner.success(message, options)),
    error: (message: string, options?: ExternalToast) =>
      whenReady((sonner) => sonner.error(message, options)),
    dismiss: (id?: string | number) => whenReady((sonner) => sonner.dismiss(id)),
  },
);
