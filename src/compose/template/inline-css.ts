// CSS inlining for Postmark's `InlineCss` (on by default for templated sends, as Postmark does):
// the rules of the HTML's <style> blocks are written into each element's style attribute,
// for mail clients that drop <style>. Media queries, font faces and other rules that cannot be
// inlined stay in a <style> block. juice does the work; nothing here touches the network
// (juice's resource inlining, which would fetch linked stylesheets, is not used).
import juice from 'juice';

export function inlineCss(html: string): string {
  // Without a <style> block there is nothing to inline: the HTML is passed through untouched.
  if (!/<style[\s>]/i.test(html)) return html;
  return juice(html);
}
