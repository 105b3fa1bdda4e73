"use client";
import { SHORTCUTS } from "@/hooks/use-shortcuts";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts">
      <table className="text-sm">
        <caption className="sr-only">Keys and what they do</caption>
        <thead className="sr-only">
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Does</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map(({ keys, does }) => (
            <tr key={keys}>
              <td className="py-1 pr-4">
                <kbd className="rounded border border-input bg-muted px-1.5 py-0.5 font-mono text-xs">
                  {keys}
                </kbd>
              </td>
              <td className="py-1">{does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Button className="justify-self-end" onClick={onClose}>
        Close
      </Button>
    </Dialog>
  );
}
