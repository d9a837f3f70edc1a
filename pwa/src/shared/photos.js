// Photos are made smaller on the phone before they are queued: a 12-megapixel camera picture is
// 3-6 MB, which a weak signal cannot carry; 1600 px on the long edge keeps what a dispatcher needs.
export const LONG_EDGE = 1600;

export function scaledSize(width, height, longEdge = LONG_EDGE) {
  const scale = Math.min(1, longEdge / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** A JPEG Blob of `file` at most LONG_EDGE px on its long edge (EXIF orientation applied). */
export async function downscale(file, { quality = 0.82 } = {}) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const { width, height } = scaledSize(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), "image/jpeg", quality),
  );
}
