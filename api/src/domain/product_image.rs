//! Product images: which files are accepted (recognised by their bytes, never by their name
//! or declared type), their content-addressed storage key, and the rules of a product's
//! ordered image list.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::InvalidField;

/// The most images one product holds.
pub const MAX_IMAGES_PER_PRODUCT: usize = 20;
/// The largest width or height accepted, in pixels.
pub const MAX_DIMENSION: u32 = 30_000;

/// The formats an upload may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
    Avif,
}

impl ImageFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Avif => "avif",
        }
    }
}

/// An image file that passed [`sniff`]: its format and size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SniffedImage {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Recognises a PNG, JPEG, WebP or AVIF file by its bytes and reads its dimensions from its
/// header. The file's structure is checked to its end (PNG chunks up to `IEND`, the JPEG end
/// marker, the WebP RIFF length, the AVIF top-level boxes), so a valid header on garbage or a
/// truncated file is refused. Pixels are not decoded.
pub fn sniff(bytes: &[u8]) -> Result<SniffedImage, InvalidField> {
    let refuse = |why: &str| InvalidField::new("file", why);
    let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_complete(bytes).then_some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        bytes.ends_with(&[0xFF, 0xD9]).then_some(ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp_complete(bytes).then_some(ImageFormat::Webp)
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        avif_complete(bytes).then_some(ImageFormat::Avif)
    } else {
        return Err(refuse("is not a PNG, JPEG, WebP or AVIF image"));
    };
    let format = format.ok_or_else(|| refuse("is truncated or damaged"))?;
    let expected = match format {
        ImageFormat::Png => matches!(imagesize::image_type(bytes), Ok(imagesize::ImageType::Png)),
        ImageFormat::Jpeg => matches!(imagesize::image_type(bytes), Ok(imagesize::ImageType::Jpeg)),
        ImageFormat::Webp => matches!(imagesize::image_type(bytes), Ok(imagesize::ImageType::Webp)),
        ImageFormat::Avif => matches!(
            imagesize::image_type(bytes),
            Ok(imagesize::ImageType::Heif(imagesize::Compression::Av1))
        ),
    };
    if !expected {
        return Err(refuse("is not a PNG, JPEG, WebP or AVIF image"));
    }
    let size = imagesize::blob_size(bytes).map_err(|_| refuse("has no readable dimensions"))?;
    let (Ok(width), Ok(height)) = (u32::try_from(size.width), u32::try_from(size.height)) else {
        return Err(refuse("is too large in pixels"));
    };
    if width == 0 || height == 0 {
        return Err(refuse("has no readable dimensions"));
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(refuse(&format!(
            "is {width}×{height} pixels; at most {MAX_DIMENSION} either way"
        )));
    }
    Ok(SniffedImage { format, width, height })
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// PNG chunks (length, type, data, CRC) follow each other from `IHDR` to `IEND`, which ends
/// the file.
fn png_complete(bytes: &[u8]) -> bool {
    let mut at = 8;
    let mut first = true;
    loop {
        let Some(length) = be_u32(bytes, at) else { return false };
        let Some(kind) = bytes.get(at + 4..at + 8) else {
            return false;
        };
        if first && kind != b"IHDR" {
            return false;
        }
        first = false;
        let Some(end) = (at + 12).checked_add(length as usize) else {
            return false;
        };
        if end > bytes.len() {
            return false;
        }
        if kind == b"IEND" {
            return end == bytes.len();
        }
        at = end;
    }
}

/// The RIFF length covers the whole file.
fn webp_complete(bytes: &[u8]) -> bool {
    let length = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    length.checked_add(8) == Some(bytes.len()) && bytes.len() > 20
}

/// An ISO-BMFF file whose brands name AVIF, whose top-level boxes cover the file exactly, and
/// which has its `meta` and `mdat` boxes.
fn avif_complete(bytes: &[u8]) -> bool {
    let Some(ftyp) = be_u32(bytes, 0).map(|n| n as usize) else {
        return false;
    };
    if !(16..=bytes.len()).contains(&ftyp) {
        return false;
    }
    let brands = bytes[8..ftyp].chunks_exact(4).enumerate().filter(|(i, _)| *i != 1);
    if !brands
        .into_iter()
        .any(|(_, brand)| brand == b"avif" || brand == b"avis")
    {
        return false;
    }
    let (mut at, mut meta, mut mdat) = (0usize, false, false);
    while at < bytes.len() {
        let Some(size) = be_u32(bytes, at) else { return false };
        let Some(kind) = bytes.get(at + 4..at + 8) else {
            return false;
        };
        let size = match size {
            0 => bytes.len() - at,
            1 => match bytes.get(at + 8..at + 16) {
                Some(large) => u64::from_be_bytes(large.try_into().unwrap_or_default()) as usize,
                None => return false,
            },
            n => n as usize,
        };
        if size < 8 || at.checked_add(size).is_none_or(|end| end > bytes.len()) {
            return false;
        }
        meta |= kind == b"meta";
        mdat |= kind == b"mdat";
        at += size;
    }
    meta && mdat
}

/// Where identical bytes are stored, whoever uploads them: `products/<sha-256>.<ext>`.
pub fn content_key(bytes: &[u8], format: ImageFormat) -> String {
    format!("products/{}.{}", hex::encode(Sha256::digest(bytes)), format.extension())
}

/// Whether a media path (relative to the media root) is a content-addressed key, whose bytes
/// never change and may be cached for good.
pub fn is_content_key(path: &str) -> bool {
    let Some(name) = path.strip_prefix("products/") else {
        return false;
    };
    let Some((hash, ext)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 64
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && ["png", "jpg", "webp", "avif"].contains(&ext)
}

/// One image of a product, as stored. Images that predate uploads (seeded, or listed on the
/// product before images had rows) have no storage key and may lack their metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductImage {
    pub id: Uuid,
    pub product_id: Uuid,
    /// The object's key in the image store; `None` for images the store does not own.
    pub storage_key: Option<String>,
    pub url: String,
    pub content_type: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: Option<u64>,
    /// 0-based place in the product's list.
    pub position: u32,
    pub created_at: DateTime<Utc>,
}

/// An uploaded image to add at the end of a product's list.
#[derive(Debug, Clone)]
pub struct NewProductImage {
    pub storage_key: String,
    pub url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// Checks that `requested` is exactly the product's `current` image ids in some order.
pub fn check_order(current: &[Uuid], requested: &[Uuid]) -> Result<(), InvalidField> {
    let mut have: Vec<Uuid> = current.to_vec();
    let mut want: Vec<Uuid> = requested.to_vec();
    have.sort_unstable();
    want.sort_unstable();
    if have == want {
        Ok(())
    } else {
        Err(InvalidField::new(
            "imageIds",
            format!(
                "must list each of the product's {} image ids exactly once",
                current.len()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |bytes: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            bytes.extend((data.len() as u32).to_be_bytes());
            bytes.extend(kind);
            bytes.extend(data);
            bytes.extend([0; 4]);
        };
        let mut header = Vec::new();
        header.extend(width.to_be_bytes());
        header.extend(height.to_be_bytes());
        header.extend([8, 2, 0, 0, 0]);
        chunk(&mut bytes, b"IHDR", &header);
        chunk(&mut bytes, b"IDAT", &[0; 10]);
        chunk(&mut bytes, b"IEND", &[]);
        bytes
    }

    #[test]
    fn a_png_is_recognised_with_its_size() {
        let sniffed = sniff(&png(7, 3)).unwrap();
        assert_eq!(
            (sniffed.format, sniffed.width, sniffed.height),
            (ImageFormat::Png, 7, 3)
        );
    }

    #[test]
    fn truncated_garbage_and_other_formats_are_refused() {
        let whole = png(7, 3);
        assert!(sniff(&whole[..whole.len() - 3]).is_err(), "truncated");
        let mut garbage = whole[..33].to_vec();
        garbage.extend(b"this is not an image at all, only text after a header");
        assert!(sniff(&garbage).is_err(), "header on garbage");
        assert!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err(), "svg");
        assert!(sniff(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").is_err(), "gif");
        assert!(sniff(b"").is_err(), "empty");
        assert!(sniff(&png(0, 3)).is_err(), "no width");
        assert!(sniff(&png(MAX_DIMENSION + 1, 3)).is_err(), "too wide");
    }

    #[test]
    fn keys_are_content_addressed() {
        let key = content_key(b"abc", ImageFormat::Webp);
        assert!(key.starts_with("products/ba7816bf") && key.ends_with(".webp"), "{key}");
        assert!(is_content_key(&key));
        assert!(!is_content_key("products/dress-black.svg"));
        assert!(!is_content_key("categories/ba7816bf.png"));
    }

    #[test]
    fn an_order_is_a_permutation() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(check_order(&[a, b], &[b, a]).is_ok());
        assert!(check_order(&[a, b], &[a]).is_err());
        assert!(check_order(&[a, b], &[a, a]).is_err());
        assert!(check_order(&[a], &[a, a]).is_err());
    }
}
