// Distances on the phone (a great-circle estimate, for display: the server's dispatch uses the
// geodesic) and the links that open the phone's own maps app with directions.
const EARTH_RADIUS_KM = 6371.0088;

export function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function etaMinutes(km, averageSpeedKmh) {
  return (km / averageSpeedKmh) * 60;
}

/** Android: a geo: URI (the user's maps app); iOS: Apple Maps; elsewhere: Google Maps on the web. */
export function directionsUrl({ lat, lon }, userAgent) {
  const place = `${lat},${lon}`;
  if (/android/i.test(userAgent)) return `geo:${place}?q=${place}`;
  if (/iphone|ipad|ipod/i.test(userAgent)) return `https://maps.apple.com/?daddr=${place}&dirflg=d`;
  return `https://www.google.com/maps/dir/?api=1&destination=${place}&travelmode=driving`;
}

/** Whether a new position is worth sending: the first, or moved more than `metres`. */
export function movedEnough(last, next, metres = 50) {
  return !last || distanceKm(last, next) * 1000 >= metres;
}
