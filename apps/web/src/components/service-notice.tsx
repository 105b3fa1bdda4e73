/** Shown instead of a page's content while the database cannot be reached. */
export function ServiceNotice() {
  return (
    <p
      role="alert"
      data-testid="service-unavailable"
      className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive"
    >
      The service is briefly unavailable. Please try again in a few seconds.
    </p>
  );
}
