import { AuthProvider } from '@tessera/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { createAppAuthClient } from './auth';
import './styles.css';
import { loadWebConfig, WebConfigContext } from './web-config';

void loadWebConfig().then((config) => {
  const auth = createAppAuthClient(config);
  createRoot(document.getElementById('root') as HTMLElement).render(
    <StrictMode>
      <WebConfigContext.Provider value={config}>
        <AuthProvider client={auth}>
          <App />
        </AuthProvider>
      </WebConfigContext.Provider>
    </StrictMode>,
  );
});
