import { htmlToText } from './html-text';

describe('the text of an HTML-only report', () => {
  it('keeps the words and the line breaks, drops every tag', () => {
    expect(htmlToText('<p>Overflow in <b>parse()</b>.</p><p>Line one<br>Line two</p>')).toBe(
      'Overflow in parse().\nLine one\nLine two',
    );
  });

  it('drops scripts, styles and comments with what is inside them', () => {
    const html = '<style>p{}</style><script>alert(1)</script><!-- hidden --><p>shown</p><script src=x>';
    expect(htmlToText(html)).toBe('shown');
  });

  it('decodes character references once, so escaped markup stays text', () => {
    expect(htmlToText('&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt; &#x41;&#66; &nbsp;x')).toBe(
      '<script>alert(1)</script> &lt; AB x',
    );
  });

  it('leaves references it cannot decode as they are, never a NUL or a surrogate', () => {
    expect(htmlToText('&#0; &#xD800; &bogus; &#x110000;')).toBe('&#0; &#xD800; &bogus; &#x110000;');
  });

  it('removes an unclosed tag at the end instead of keeping half of it', () => {
    expect(htmlToText('text <img src="x" onerror="alert(1)"')).toBe('text');
  });

  it('lists list items and keeps at most one empty line between paragraphs', () => {
    expect(htmlToText('<ul><li>a</li><li>b</li></ul><div></div><div></div><div></div><p>c</p>')).toBe('- a\n- b\n\nc');
  });
});
