import type { Router } from 'express';
import express from 'express';
import { type LocalRecordingFiles, RECORDING_ID } from '../calls/recording-files.ts';

/**
 * Serves recordings at their RecordUrl. The URL is the capability: its id is a random
 * UUID, so a customer's app can hand it to a browser or to `<Play>` without credentials.
 */
export function recordingsRouter(files: LocalRecordingFiles, authId: string): Router {
  const router = express.Router();
  router.get('/api/v1/Account/:authId/Recording/:file', (req, res) => {
    const m = req.params.file.match(/^(.+)\.wav$/);
    if (req.params.authId !== authId || !m || !RECORDING_ID.test(m[1])) {
      res.status(404).json({ api_id: '', error: 'Recording not found' });
      return;
    }
    res.type('audio/wav');
    res.sendFile(files.path(m[1]), { dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) res.status(404).json({ api_id: '', error: 'Recording not found' });
    });
  });
  return router;
}
