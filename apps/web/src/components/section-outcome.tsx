/**
 * The foot of an account page section: what its last action did (announced politely) and what
 * went wrong, if anything (announced at once).
 */
export function SectionOutcome({ note, failure }: { note: string; failure: Error | null }) {
  return (
    <>
      <p role="status" className="mt-2 text-sm text-muted-foreground">
        {note}
      </p>
      {failure ? (
        <p role="alert" className="mt-2 text-sm text-destructive">
          {failure.message}
        </p>
      ) : null}
    </>
  );
}
