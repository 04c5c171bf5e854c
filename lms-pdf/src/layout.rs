//! Placing lines of text: choosing a face per character, measuring, shrinking and wrapping.

use printpdf::{FontId, Op, ParsedFont, PdfFontHandle, Point, Pt, TextItem};
use std::collections::{BTreeMap, BTreeSet};

const DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
const DROID_SANS_FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");
const NANUM_GOTHIC: &[u8] = include_bytes!("../fonts/NanumGothic.ttf");

/// One of the embedded faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FontFace {
    Regular,
    Bold,
    /// For characters DejaVu has no glyph for (Chinese and Japanese above all).
    Fallback,
    /// For Korean Hangul, which neither of the others has.
    Hangul,
}

impl FontFace {
    fn bytes(self) -> &'static [u8] {
        match self {
            Self::Regular => DEJAVU_SANS,
            Self::Bold => DEJAVU_SANS_BOLD,
            Self::Fallback => DROID_SANS_FALLBACK,
            Self::Hangul => NANUM_GOTHIC,
        }
    }

    pub(crate) fn resource_name(self) -> &'static str {
        match self {
            Self::Regular => "F1",
            Self::Bold => "F2",
            Self::Fallback => "F3",
            Self::Hangul => "F4",
        }
    }
}

/// The parsed embedded faces.
pub(crate) struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
    fallback: ParsedFont,
    hangul: ParsedFont,
}

impl Fonts {
    pub(crate) fn load() -> Self {
        let parse = |bytes: &[u8], name: &str| {
            ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
                .unwrap_or_else(|| panic!("the embedded font {name} is a valid TrueType file"))
        };
        Self {
            regular: parse(DEJAVU_SANS, "DejaVuSans.ttf"),
            bold: parse(DEJAVU_SANS_BOLD, "DejaVuSans-Bold.ttf"),
            fallback: parse(DROID_SANS_FALLBACK, "DroidSansFallbackFull.ttf"),
            hangul: parse(NANUM_GOTHIC, "NanumGothic.ttf"),
        }
    }

    /// `face` cut down to the glyphs of `chars` (plus `.notdef`), with its own Unicode cmap,
    /// ready to embed. printpdf subsets only with its heavy `text_layout` feature, so the
    /// crate does it here with the same library (allsorts) that printpdf itself uses.
    pub(crate) fn subset(&self, face: FontFace, chars: &BTreeSet<char>) -> ParsedFont {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{CmapTarget, SubsetProfile, subset};
        let font = self.face(face);
        let glyphs: BTreeSet<u16> = chars
            .iter()
            .filter_map(|c| font.lookup_glyph_index(*c as u32))
            .collect();
        let glyphs: Vec<u16> = std::iter::once(0)
            .chain(glyphs.into_iter().filter(|g| *g != 0))
            .collect();
        let subset = ReadScope::new(face.bytes())
            .read::<FontData<'_>>()
            .map_err(|e| e.to_string())
            .and_then(|data| data.table_provider(0).map_err(|e| e.to_string()))
            .and_then(|provider| {
                subset(
                    &provider,
                    &glyphs,
                    &SubsetProfile::Minimal,
                    CmapTarget::Unicode,
                )
                .map_err(|e| e.to_string())
            })
            .unwrap_or_else(|e| panic!("subsetting the embedded {face:?} font failed: {e}"));
        ParsedFont::from_bytes(&subset, 0, &mut Vec::new())
            .unwrap_or_else(|| panic!("the subset of the embedded {face:?} font does not parse"))
    }

    pub(crate) fn face(&self, face: FontFace) -> &ParsedFont {
        match face {
            FontFace::Regular => &self.regular,
            FontFace::Bold => &self.bold,
            FontFace::Fallback => &self.fallback,
            FontFace::Hangul => &self.hangul,
        }
    }

    /// The face that draws `c`: the block's own face when it has the glyph (and for spaces,
    /// so that word spacing is the same throughout), else the first fallback that has it, else the own face (which
    /// shows its "missing glyph" box rather than dropping the character silently).
    fn face_for(&self, c: char, preferred: FontFace) -> FontFace {
        let has = |face: &FontFace| {
            self.face(*face)
                .lookup_glyph_index(c as u32)
                .is_some_and(|g| g != 0)
        };
        if c.is_whitespace() || has(&preferred) {
            return preferred;
        }
        [FontFace::Fallback, FontFace::Hangul]
            .into_iter()
            .find(has)
            .unwrap_or(preferred)
    }

    /// The advance of `c` in `face`, in points at `size`.
    fn advance(&self, face: FontFace, c: char, size: f32) -> f32 {
        let font = self.face(face);
        let glyph = font.lookup_glyph_index(c as u32).unwrap_or(0);
        let units = font.get_glyph_width(glyph).unwrap_or(0);
        f32::from(units) * size / f32::from(font.units_per_em)
    }

    /// `text` cut into runs of one face each, with the width of the whole line.
    fn runs(&self, text: &str, preferred: FontFace, size: f32) -> (Vec<(FontFace, String)>, f32) {
        let mut runs: Vec<(FontFace, String)> = Vec::new();
        let mut width = 0.0;
        for c in text.chars() {
            let face = self.face_for(c, preferred);
            width += self.advance(face, c, size);
            match runs.last_mut() {
                Some((last, run)) if *last == face => run.push(c),
                _ => runs.push((face, c.to_string())),
            }
        }
        (runs, width)
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Align {
    Centre,
}

/// A piece of text placed at a height on the page (a fraction of the page height, from the
/// bottom), at most as wide as the text area: it shrinks to fit, down to 60 % of its size,
/// and wraps onto more lines below that.
pub(crate) struct Block {
    text: String,
    face: FontFace,
    size: f32,
    height_fraction: f32,
    align: Align,
}

impl Block {
    pub(crate) fn new(
        text: &str,
        face: FontFace,
        size: f32,
        height_fraction: f32,
        align: Align,
    ) -> Self {
        Self {
            text: text.to_owned(),
            face,
            size,
            height_fraction,
            align,
        }
    }

    /// The drawing operations of the block; records the characters drawn per face in `used`.
    pub(crate) fn ops(
        &self,
        fonts: &Fonts,
        centre: f32,
        page_height: f32,
        max_width: f32,
        used: &mut BTreeMap<FontFace, BTreeSet<char>>,
    ) -> Vec<Op> {
        let (size, lines) = self.fit(fonts, max_width);
        let line_height = size * 1.25;
        // Wrapped blocks grow downwards from their place, keeping the first line where one
        // line would be; extra lines eat into the space below, which the layout leaves free.
        let top = page_height * self.height_fraction;
        let mut ops = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let (runs, width) = fonts.runs(line, self.face, size);
            let x = match self.align {
                Align::Centre => centre - width / 2.0,
            };
            let y = top - line_height * index as f32;
            ops.push(Op::StartTextSection);
            ops.push(Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            });
            for (face, run) in runs {
                used.entry(face).or_default().extend(run.chars());
                let font = PdfFontHandle::External(FontId(face.resource_name().into()));
                ops.push(Op::SetFont {
                    font,
                    size: Pt(size),
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(run)],
                });
            }
            ops.push(Op::EndTextSection);
        }
        ops
    }

    /// The size to draw at and the lines, each at most `max_width` wide where possible.
    fn fit(&self, fonts: &Fonts, max_width: f32) -> (f32, Vec<String>) {
        let width_at = |size: f32, text: &str| fonts.runs(text, self.face, size).1;
        let smallest = self.size * 0.6;
        let mut size = self.size;
        while size > smallest {
            if width_at(size, &self.text) <= max_width {
                return (size, vec![self.text.clone()]);
            }
            size -= 1.0;
        }
        (
            smallest,
            wrap(&self.text, max_width, |text| width_at(smallest, text)),
        )
    }
}

/// Greedy line breaking at spaces; a word wider than a line (or a run of CJK, which has no
/// spaces) is broken between characters.
fn wrap(text: &str, max_width: f32, width: impl Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate) <= max_width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if width(&line) > max_width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_dejavu_lacks_fall_back_to_the_cjk_face() {
        let fonts = Fonts::load();
        let (runs, width) = fonts.runs("Zoë 山田 김", FontFace::Regular, 12.0);
        let expected = [
            (FontFace::Regular, "Zoë "),
            (FontFace::Fallback, "山田"),
            (FontFace::Regular, " "),
            (FontFace::Hangul, "김"),
        ];
        assert_eq!(runs, expected.map(|(face, text)| (face, text.to_owned())));
        assert!(width > 0.0);
    }

    #[test]
    fn long_text_wraps_within_the_width() {
        let width = |s: &str| s.chars().count() as f32;
        assert_eq!(wrap("aaa bbb ccc", 7.0, width), vec!["aaa bbb", "ccc"]);
        assert_eq!(
            wrap("山田太郎山田太郎", 3.0, width),
            vec!["山田太", "郎山田", "太郎"]
        );
    }
}
