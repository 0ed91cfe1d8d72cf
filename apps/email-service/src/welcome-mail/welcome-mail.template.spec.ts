import { languageFor, renderWelcomeMail, WELCOME_MAIL_LANGUAGES } from './welcome-mail.template';

describe('welcome mail template', () => {
  it.each([
    ['en', 'Welcome, Ada!'],
    ['de', 'Willkommen, Ada!'],
    ['fr', 'Bienvenue, Ada\u00a0!'],
    ['es', '¡Te damos la bienvenida, Ada!'],
  ])('greets the user by name in %s', (locale, greeting) => {
    const mail = renderWelcomeMail({ name: 'Ada', locale });

    expect(mail.language).toBe(locale);
    expect(mail.subject).toBe(greeting);
    expect(mail.text.startsWith(`${greeting}\n\n`)).toBe(true);
    expect(mail.html).toContain(`<h1 style="margin:0 0 16px;font-size:24px;">${greeting}</h1>`);
  });

  it.each([undefined, '', '   ', 'xx', 'pt-BR', '123', '-de', '!!@@'])('falls back to English for %p', (locale) => {
    expect(languageFor(locale)).toBe('en');
    expect(renderWelcomeMail({ name: 'Ada', locale }).subject).toBe('Welcome, Ada!');
  });

  it.each([
    ['de-CH', 'de'],
    ['fr_FR', 'fr'],
    ['ES-mx', 'es'],
    ['DE', 'de'],
    [' en_GB ', 'en'],
    ['de-Latn-CH', 'de'],
  ])('matches %p to %p by its base language, ignoring case and underscores', (locale, language) => {
    expect(languageFor(locale)).toBe(language);
  });

  it('escapes the name in the HTML part, so user input cannot add markup', () => {
    const { html } = renderWelcomeMail({ name: `<script>alert(1)</script> &"'`, locale: 'en' });

    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp;&quot;&#39;');
  });

  it('keeps the subject on one line when the name has line breaks', () => {
    const mail = renderWelcomeMail({ name: ' Ada\r\nBcc: victim@example.com\n\tLovelace\u2028 ', locale: 'de' });

    expect(mail.subject).toBe('Willkommen, Ada Bcc: victim@example.com Lovelace!');
    expect(mail.subject).not.toMatch(/[\r\n\u2028\u2029]/);
  });

  it.each(WELCOME_MAIL_LANGUAGES)('renders a standalone %s HTML document with the matching lang', (language) => {
    const { html } = renderWelcomeMail({ name: 'Ada', locale: language });

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<html lang="${language}">`);
    expect(html).not.toMatch(/<link|<style|<img|src=|url\(/i);
  });

  it.each(WELCOME_MAIL_LANGUAGES)('writes the %s plain text without HTML tags', (language) => {
    const { text, html } = renderWelcomeMail({ name: 'Ada', locale: language });

    expect(text).not.toMatch(/<[^>]*>/);
    const body = text.split('\n\n')[1].trim();
    expect(html).toContain(body.replace(/'/g, '&#39;'));
  });
});
