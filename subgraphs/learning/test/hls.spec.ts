import { describe, expect, it } from 'vitest';
import { parsePlaylist, rewritePlaylistUris } from '#src/video/hls';

const master = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=812000,RESOLUTION=640x360,CODECS="avc1.4d4028,mp4a.40.2"',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=2400000,AVERAGE-BANDWIDTH=1900000,RESOLUTION=1280x720,CODECS="avc1.4d4028,mp4a.40.2"',
  '720p/index.m3u8',
  '',
].join('\n');

const media = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-KEY:METHOD=AES-128,URI="keys/key.bin",IV=0x0123',
  '#EXTINF:4.000000,',
  'segment_000.ts',
  '#EXTINF:1.033333,',
  'segment_001.ts',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('parsePlaylist', () => {
  it('lists a master playlist’s variants with bandwidth, resolution, codecs and URI', () => {
    expect(parsePlaylist(master)).toEqual({
      kind: 'master',
      variants: [
        {
          bandwidth: 812000,
          resolution: { width: 640, height: 360 },
          codecs: 'avc1.4d4028,mp4a.40.2',
          uri: '360p/index.m3u8',
        },
        {
          bandwidth: 2400000,
          averageBandwidth: 1900000,
          resolution: { width: 1280, height: 720 },
          codecs: 'avc1.4d4028,mp4a.40.2',
          uri: '720p/index.m3u8',
        },
      ],
    });
  });

  it('lists a media playlist’s segments with their durations', () => {
    expect(parsePlaylist(media)).toEqual({
      kind: 'media',
      segments: [
        { durationSeconds: 4, uri: 'segment_000.ts' },
        { durationSeconds: 1.033333, uri: 'segment_001.ts' },
      ],
    });
  });

  it('reads CRLF line endings', () => {
    expect(parsePlaylist(media.replaceAll('\n', '\r\n'))).toEqual(parsePlaylist(media));
  });

  it('refuses text that is not a playlist, or a URI no tag describes', () => {
    expect(() => parsePlaylist('hello')).toThrow(/#EXTM3U/);
    expect(() => parsePlaylist('#EXTM3U\nsegment_000.ts\n')).toThrow(/segment_000\.ts/);
    expect(() => parsePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n')).toThrow(/BANDWIDTH/);
  });
});

describe('rewritePlaylistUris', () => {
  const sign = (uri: string) => `https://cdn.example/v/${uri}?sig=abc`;

  it('rewrites every URI line and URI attribute and leaves tags alone', () => {
    const rewritten = rewritePlaylistUris(media, sign);
    expect(rewritten.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-KEY:METHOD=AES-128,URI="https://cdn.example/v/keys/key.bin?sig=abc",IV=0x0123',
      '#EXTINF:4.000000,',
      'https://cdn.example/v/segment_000.ts?sig=abc',
      '#EXTINF:1.033333,',
      'https://cdn.example/v/segment_001.ts?sig=abc',
      '#EXT-X-ENDLIST',
      '',
    ]);
  });

  it('keeps a master playlist parseable, with only the URIs changed', () => {
    const rewritten = parsePlaylist(rewritePlaylistUris(master, sign));
    const original = parsePlaylist(master);
    if (rewritten.kind !== 'master' || original.kind !== 'master') throw new Error('expected master playlists');
    expect(rewritten.variants).toEqual(original.variants.map((variant) => ({ ...variant, uri: sign(variant.uri) })));
  });

  it('calls sign once per URI, with the URI as written', () => {
    const calls: string[] = [];
    rewritePlaylistUris(media, (uri) => {
      calls.push(uri);
      return uri;
    });
    expect(calls).toEqual(['keys/key.bin', 'segment_000.ts', 'segment_001.ts']);
  });
});
