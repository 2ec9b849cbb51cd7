//! Tokens of the Sandesh IDL, with positions for error messages.

use super::ast::Pos;
use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    Punct(char),
    /// A `/** … */` or `/// …` comment: documentation for the next declaration.
    Doc(String),
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

pub fn tokenize(file: &str, src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer { file, chars: src.chars().collect(), i: 0, line: 1, col: 1 };
    let mut out = Vec::new();
    loop {
        let t = lx.next()?;
        let eof = t.tok == Tok::Eof;
        out.push(t);
        if eof {
            return Ok(out);
        }
    }
}

struct Lexer<'f> {
    file: &'f str,
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.i).copied()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos { line: self.line, column: self.col }
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> ParseError {
        ParseError { file: self.file.to_string(), pos, message: msg.into() }
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        loop {
            let pos = self.pos();
            let Some(c) = self.peek(0) else { return Ok(Token { tok: Tok::Eof, pos }) };
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '#' => self.skip_line(),
                '/' if self.peek(1) == Some('/') => {
                    let doc = self.peek(2) == Some('/') && self.peek(3) != Some('/');
                    let text = self.take_line();
                    if doc {
                        return Ok(Token { tok: Tok::Doc(text[3..].trim().to_string()), pos });
                    }
                }
                '/' if self.peek(1) == Some('*') => {
                    let doc = self.peek(2) == Some('*') && self.peek(3) != Some('/');
                    let body = self.take_block(pos)?;
                    if doc {
                        return Ok(Token { tok: Tok::Doc(clean_block_doc(&body)), pos });
                    }
                }
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let mut s = String::new();
                    while let Some(c) = self.peek(0) {
                        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                            s.push(c);
                            self.bump();
                        } else {
                            break;
                        }
                    }
                    return Ok(Token { tok: Tok::Ident(s), pos });
                }
                c if c.is_ascii_digit() || (c == '-' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) => {
                    return self.number(pos);
                }
                '{' | '}' | '<' | '>' | ':' | ';' | ',' | '=' | '(' | ')' => {
                    self.bump();
                    return Ok(Token { tok: Tok::Punct(c), pos });
                }
                other => return Err(self.err(pos, format!("unexpected character {other:?}"))),
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    fn take_line(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                break;
            }
            s.push(c);
            self.bump();
        }
        s
    }

    /// Consumes `/* … */`, returning what is between the delimiters.
    fn take_block(&mut self, start: Pos) -> Result<String, ParseError> {
        self.bump();
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.err(start, "unterminated block comment")),
                Some('*') if self.peek(0) == Some('/') => {
                    self.bump();
                    return Ok(s);
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn number(&mut self, pos: Pos) -> Result<Token, ParseError> {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_ascii_alphanumeric() || c == '-' && s.is_empty() {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        let (neg, digits) = match s.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, s.as_str()),
        };
        let parsed = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
            Some(hex) => i64::from_str_radix(hex, 16),
            None => digits.parse::<i64>(),
        };
        match parsed {
            Ok(v) => Ok(Token { tok: Tok::Int(if neg { -v } else { v }), pos }),
            Err(_) => Err(self.err(pos, format!("invalid number {s:?}"))),
        }
    }
}

/// Strips the leading `*` of each line of a `/** … */` comment body.
fn clean_block_doc(body: &str) -> String {
    let body = body.strip_prefix('*').unwrap_or(body);
    body.lines()
        .map(|l| {
            let t = l.trim();
            t.strip_prefix('*').map(str::trim).unwrap_or(t)
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}
