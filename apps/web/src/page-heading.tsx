import { useEffect, useRef } from 'react';

/**
 * The page's `<h1>`: sets the document title, and takes the focus when the
 * page opens so that screen readers announce it and Tab starts from it.
 */
export function PageHeading({ children, focus = true }: { children: string; focus?: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · tessera`;
    if (focus) ref.current?.focus();
  }, [children, focus]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
